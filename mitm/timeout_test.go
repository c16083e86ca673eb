package mitm

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/session"
)

// slowOrigin answers each request only once the test releases it; it
// reports each request's path when it arrives and when the request's
// context ends (siphon gave up on it).
type slowOrigin struct {
	*httptest.Server
	arrived   chan string
	cancelled chan string
	release   chan struct{}
}

func newSlowOrigin(t *testing.T) *slowOrigin {
	o := &slowOrigin{arrived: make(chan string, 8), cancelled: make(chan string, 8), release: make(chan struct{})}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		o.arrived <- r.URL.Path
		select {
		case <-o.release:
			io.WriteString(w, "late")
		case <-r.Context().Done():
			o.cancelled <- r.URL.Path
		}
	}))
	t.Cleanup(func() {
		close(o.release)
		o.Close()
	})
	return o
}

func (o *slowOrigin) waitArrived(t *testing.T, path string) {
	t.Helper()
	select {
	case got := <-o.arrived:
		if got != path {
			t.Fatalf("origin got %s, want %s", got, path)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not reach the origin", path)
	}
}

// By default siphon waits for a slow origin as long as the client does;
// --upstream-timeout (UpstreamTimeout) sets a limit, and a flow that
// reaches it says so and names the flag.
func TestUpstreamTimeout(t *testing.T) {
	origin := newSlowOrigin(t)
	waiting := startProxy(t, Config{})
	if d := waiting.transport.ResponseHeaderTimeout; d != 0 {
		t.Errorf("default wait for response headers is %v, want no limit", d)
	}
	// Long enough for the loopback origin of assertStillServes to answer
	// through the limited proxy on a loaded machine.
	limited := startProxy(t, Config{UpstreamTimeout: 2 * time.Second})

	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		res, err := waiting.client().Get(origin.URL + "/patient")
		if err != nil {
			done <- result{err: err}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		done <- result{status: res.StatusCode, body: string(b)}
	}()
	origin.waitArrived(t, "/patient")

	// The limited proxy gives up on the same origin while the patient
	// request, which started first, still waits.
	url := origin.URL + "/hasty"
	body := get502(t, limited.client(), url)
	if !strings.Contains(body, "--upstream-timeout") {
		t.Errorf("502 body %q does not name --upstream-timeout", body)
	}
	f := limited.rec.wait(t, "timed out", finalFor(url))
	if f.Err == nil || f.Err.Phase != session.PhaseUpstream || !strings.Contains(f.Err.Hint, "--upstream-timeout") {
		t.Errorf("limited flow error %+v, want phase upstream and a hint naming --upstream-timeout", f.Err)
	}
	select {
	case r := <-done:
		t.Fatalf("the default proxy gave up before the origin answered: %+v", r)
	default:
	}

	select {
	case got := <-origin.cancelled:
		if got != "/hasty" {
			t.Fatalf("origin saw %s cancelled, want /hasty", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the limited proxy did not give up on /hasty upstream")
	}
	origin.release <- struct{}{} // only /patient still waits
	r := <-done
	if r.err != nil || r.status != http.StatusOK || r.body != "late" {
		t.Fatalf("patient request: %+v, want 200 late", r)
	}
	pf := waiting.rec.wait(t, "patient", finalFor(origin.URL+"/patient"))
	if pf.State != session.Done || pf.Err != nil {
		t.Errorf("patient flow: state %v, error %+v", pf.State, pf.Err)
	}
	assertStillServes(t, limited)
}

// A client that gives up while siphon waits for the origin cancels the
// upstream request: siphon waits as long as the client does, not longer.
func TestClientHangupCancelsUpstream(t *testing.T) {
	origin := newSlowOrigin(t)
	secure := httptest.NewTLSServer(origin.Config.Handler)
	defer secure.Close()
	tp := startProxy(t, Config{RootCAs: poolOf(secure.Certificate())})
	for _, tc := range []struct{ name, base, method, body string }{
		{"http get", origin.URL, "GET", ""},
		{"http post", origin.URL, "POST", strings.Repeat("u", 100<<10)},
		{"https post", secure.URL, "POST", "payload"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := "/" + strings.ReplaceAll(tc.name, " ", "-")
			ctx, cancel := context.WithCancel(context.Background())
			req, _ := http.NewRequestWithContext(ctx, tc.method, tc.base+path, strings.NewReader(tc.body))
			errc := make(chan error, 1)
			go func() {
				res, err := tp.client().Do(req)
				if err == nil {
					res.Body.Close()
				}
				errc <- err
			}()
			origin.waitArrived(t, path)
			cancel() // the client closes its connection
			if err := <-errc; err == nil {
				t.Fatal("the cancelled request succeeded")
			}
			select {
			case got := <-origin.cancelled:
				if got != path {
					t.Fatalf("origin saw %s cancelled, want %s", got, path)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("siphon still waits for the origin after its client hung up")
			}
			f := tp.rec.wait(t, "client gone", finalFor(tc.base+path))
			if f.Err == nil || f.Err.Phase != session.PhaseClient || !strings.Contains(f.Err.Msg, "closed the connection") {
				t.Errorf("flow error %+v, want phase client", f.Err)
			}
		})
	}
	assertStillServes(t, tp)
}
