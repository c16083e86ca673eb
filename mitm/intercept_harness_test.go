package mitm

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/internal/testutil"
)

// rulesEngine loads rules (YAML) into an Engine, writing extra files
// (name → content) beside the rules file first.
func rulesEngine(t *testing.T, cfg intercept.Config, rules string, files ...string) *intercept.Engine {
	t.Helper()
	dir := t.TempDir()
	for i := 0; i+1 < len(files); i += 2 {
		if err := os.WriteFile(filepath.Join(dir, files[i]), []byte(files[i+1]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(path, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	e := intercept.New(cfg)
	if err := e.LoadFiles(path); err != nil {
		t.Fatal(err)
	}
	return e
}

// noDNS is a dialer for which names under .invalid do not resolve, and
// which remembers every address it was asked to dial.
type noDNS struct {
	mu    sync.Mutex
	dials []string
}

func (d *noDNS) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.dials = append(d.dials, addr)
	d.mu.Unlock()
	host, _, _ := net.SplitHostPort(addr)
	if strings.HasSuffix(host, ".invalid") {
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, addr)
}

// dialed reports whether any dial went to a host containing s.
func (d *noDNS) dialed(s string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, a := range d.dials {
		if strings.Contains(a, s) {
			return true
		}
	}
	return false
}

// waitPaused waits until the engine holds n paused flows and returns them.
func waitPaused(t *testing.T, e *intercept.Engine, n int) []intercept.PausedFlow {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		if ps := e.Paused(); len(ps) == n {
			return ps
		}
		select {
		case <-e.Changed():
		case <-timeout:
			t.Fatalf("want %d paused flows, have %d after 10s", n, len(e.Paused()))
		}
	}
}

// result is a response read in the background.
type result struct {
	status int
	header http.Header
	body   string
	err    error
}

// fetch runs req on c in the background.
func fetch(c *http.Client, req *http.Request) <-chan result {
	ch := make(chan result, 1)
	go func() {
		res, err := c.Do(req)
		if err != nil {
			ch <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		ch <- result{status: res.StatusCode, header: res.Header, body: string(b), err: err}
	}()
	return ch
}

func get(c *http.Client, url string) <-chan result {
	req, _ := http.NewRequest("GET", url, nil)
	return fetch(c, req)
}

func await(t *testing.T, ch <-chan result) result {
	t.Helper()
	return testutil.Receive(t, ch, "response")
}

// mustOK awaits a response and fails the test on a transport error.
func mustOK(t *testing.T, ch <-chan result) result {
	t.Helper()
	r := await(t, ch)
	if r.err != nil {
		t.Fatalf("request failed: %v", r.err)
	}
	return r
}
