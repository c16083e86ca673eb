package replay

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/session"
)

// seen is a request as an origin received it.
type seen struct {
	Method string
	URL    string // scheme://host + request URI, as on the request line
	Header http.Header
	Body   []byte
}

// echoOrigin is a loopback origin that reports every request it receives
// and answers 200 with a small gzip-able body.
type echoOrigin struct {
	*httptest.Server
	got chan seen
}

func newEchoOrigin(t testing.TB, tls bool) *echoOrigin {
	t.Helper()
	o := &echoOrigin{got: make(chan seen, 1024)}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		o.got <- seen{Method: r.Method, URL: scheme + "://" + r.Host + r.RequestURI, Header: r.Header.Clone(), Body: body}
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "echo ok\n")
	})
	if tls {
		o.Server = httptest.NewTLSServer(h)
	} else {
		o.Server = httptest.NewServer(h)
	}
	t.Cleanup(o.Close)
	return o
}

// next returns the next request the origin received.
func (o *echoOrigin) next(t testing.TB) seen {
	t.Helper()
	select {
	case s := <-o.got:
		return s
	case <-time.After(20 * time.Second):
		t.Fatal("the origin received no request within 20s")
		return seen{}
	}
}

// endToEnd drops hop-by-hop headers (and those clients compute, like
// Content-Length, when ignoreLength), the part of a request a replay must
// reproduce.
func endToEnd(h http.Header, ignore ...string) http.Header {
	c := h.Clone()
	for _, n := range hopByHop {
		c.Del(n)
	}
	for _, n := range ignore {
		c.Del(n)
	}
	return c
}

// sameRequest fails unless two requests an origin saw are identical in
// method, URL, end-to-end headers and body.
func sameRequest(t *testing.T, what string, got, want seen, ignore ...string) {
	t.Helper()
	if got.Method != want.Method {
		t.Errorf("%s: method %q, want %q", what, got.Method, want.Method)
	}
	if got.URL != want.URL {
		t.Errorf("%s: URL\n %q\nwant %q", what, got.URL, want.URL)
	}
	g, w := endToEnd(got.Header, ignore...), endToEnd(want.Header, ignore...)
	for _, k := range slices.Sorted(mapKeys(w)) {
		if !slices.Equal(g[k], w[k]) {
			t.Errorf("%s: header %s = %q, want %q", what, k, g[k], w[k])
		}
	}
	for _, k := range slices.Sorted(mapKeys(g)) {
		if _, ok := w[k]; !ok {
			t.Errorf("%s: extra header %s: %q", what, k, g[k])
		}
	}
	if !bytes.Equal(got.Body, want.Body) {
		t.Errorf("%s: body %d bytes %q, want %d bytes %q", what, len(got.Body), clip(got.Body), len(want.Body), clip(want.Body))
	}
}

func clip(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}

// runShell runs a generated command with sh in dir and returns its output.
func runShell(t *testing.T, dir, command string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-s")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(command + "\n")
	cmd.Env = append(os.Environ(), "HOME="+dir, "NO_PROXY=*", "http_proxy=", "https_proxy=", "HTTP_PROXY=", "HTTPS_PROXY=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("running the exported command: %v\n%s\ncommand:\n%s", err, out, command)
	}
	return string(out)
}

// seenAsFlow is what siphon would record for a request the origin saw:
// the same request line, headers and body.
func seenAsFlow(s seen) *session.Flow {
	h := s.Header.Clone()
	return &session.Flow{State: session.Done, Kind: session.HTTP, Request: &session.Request{
		Method: s.Method, URL: s.URL, Proto: "HTTP/1.1", Header: h,
		Body: session.Body{Data: s.Body, Size: int64(len(s.Body))},
	}}
}

func writeBodyFile(t *testing.T, dir string, c *Command, name string) {
	t.Helper()
	if c.Body == nil {
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name), c.Body, 0o600); err != nil {
		t.Fatal(err)
	}
}
