package mitm

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
	"golang.org/x/net/http2"
)

// The rules act on h2 flows as on HTTP/1.1 ones: map-remote to an h2
// origin from a host that does not resolve, block with a status, and drop
// (a reset of the stream alone, in the request or the response phase).
func TestHTTP2RulesMapBlockDrop(t *testing.T) {
	h2 := h2Origin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s %s", r.Proto, r.Host, r.URL.Path)
	}))
	e := rulesEngine(t, intercept.Config{}, fmt.Sprintf(`
- name: moved
  match: ~d mapped.invalid
  map-remote: %s/v2
- name: forbidden
  match: ~u /forbidden
  block: 403
- name: gone
  match: ~u /drop
  block: drop
- name: look
  match: ~u /killed
  breakpoint: response
`, h2.URL))
	dialer := &noDNS{}
	tp := startProxy(t, Config{Decider: e, DialContext: dialer.DialContext, RootCAs: poolOf(h2.Certificate())})
	c := tp.h2Client()
	originHost := strings.TrimPrefix(h2.URL, "https://")

	u := "https://mapped.invalid/users"
	r := mustOK(t, get(c, u))
	if want := "HTTP/2.0 " + originHost + " /v2/users"; r.status != 200 || r.body != want {
		t.Errorf("map-remote: %d %q, want %q", r.status, r.body, want)
	}
	f := tp.rec.wait(t, "mapped", func(f *session.Flow) bool {
		return f.Original != nil && f.Original.URL == u && f.State == session.Done
	})
	if f.Request.URL != h2.URL+"/v2/users" || f.Request.Proto != "HTTP/2.0" || f.Response.Proto != "HTTP/2.0" {
		t.Errorf("mapped flow: %s %s -> %s", f.Request.URL, f.Request.Proto, f.Response.Proto)
	}
	if dialer.dialed("mapped.invalid") {
		t.Error("siphon dialed the mapped host")
	}

	r = mustOK(t, get(c, h2.URL+"/forbidden"))
	if r.status != 403 || !strings.Contains(r.body, `blocked by rule "forbidden"`) {
		t.Errorf("block: %d %q", r.status, r.body)
	}
	f = tp.rec.wait(t, "blocked", finalFor(h2.URL+"/forbidden"))
	if f.Source != session.Mock || f.Response.Status != 403 || f.Response.Proto != "HTTP/2.0" {
		t.Errorf("blocked flow: %v %+v", f.Source, f.Response)
	}

	// Drops reset their stream; the connection serves the next one.
	raw := tp.rawH2(t, originHost, false)
	raw.get(1, originHost, "/drop")
	if status, code := raw.status(1); status != "" || code == http2.ErrCodeNo {
		t.Errorf("a dropped stream: status %q, reset %v", status, code)
	}
	raw.get(3, originHost, "/killed")
	paused := waitPaused(t, e, 1)[0]
	if err := e.Kill(paused.ID); err != nil {
		t.Fatal(err)
	}
	if status, code := raw.status(3); status != "" || code == http2.ErrCodeNo {
		t.Errorf("a stream killed at its response: status %q, reset %v", status, code)
	}
	raw.get(5, originHost, "/after")
	if status, code := raw.status(5); status != "200" {
		t.Errorf("the connection after two resets: status %q, reset %v", status, code)
	}
	for _, path := range []string{"/drop", "/killed"} {
		f := tp.rec.wait(t, "dropped "+path, finalFor(h2.URL+path))
		if f.State != session.Failed || f.Err == nil || f.Err.Phase != session.PhaseIntercept {
			t.Errorf("%s: %v %+v", path, f.State, f.Err)
		}
	}
}
