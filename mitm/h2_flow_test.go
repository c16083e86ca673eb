package mitm

import (
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"testing"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
)

// A breakpoint holds one stream; the other streams of its connection go on.
func TestHTTP2BreakpointHoldsOnlyItsStream(t *testing.T) {
	h2 := h2Origin(t, protoEcho())
	e := rulesEngine(t, intercept.Config{}, `
- name: held
  match: ~u /held
  breakpoint: request
`)
	tp := startProxy(t, Config{Decider: e, RootCAs: poolOf(h2.Certificate())})
	c := tp.h2Client()
	warm, err := c.Get(h2.URL + "/warm") // opens the one connection
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, warm.Body)
	warm.Body.Close()

	held := get(c, h2.URL+"/held")
	p := waitPaused(t, e, 1)[0]

	var reused bool
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused },
	})
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h2.URL+"/other", nil)
	r := mustOK(t, fetch(c, req))
	if r.body != "HTTP/2.0 /other " || !reused {
		t.Fatalf("other stream while one is paused: %q (same connection: %v)", r.body, reused)
	}
	if err := e.Resume(p.ID); err != nil {
		t.Fatal(err)
	}
	if r := mustOK(t, held); r.body != "HTTP/2.0 /held " {
		t.Errorf("held stream after resume: %q", r.body)
	}

	// A stream the client resets while it is paused ends its flow as the
	// client's doing, and releases the breakpoint.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, h2.URL+"/held/gone", nil)
	gone := fetch(c, req)
	waitPaused(t, e, 1)
	cancel()
	if r := await(t, gone); r.err == nil {
		t.Fatalf("a cancelled request got %d", r.status)
	}
	f := tp.rec.wait(t, "reset while paused", finalFor(h2.URL+"/held/gone"))
	if f.State != session.Failed || f.Err == nil || f.Err.Phase != session.PhaseClient {
		t.Errorf("flow of a stream reset while paused: %v %+v", f.State, f.Err)
	}
	waitPaused(t, e, 0)
}

// A stream the client resets, before the response or during its body,
// ends its flow with phase client.
func TestHTTP2ClientResetEndsFlow(t *testing.T) {
	arrived := make(chan string, 2)
	h2 := h2Origin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/body" {
			io.WriteString(w, "first chunk")
			w.(http.Flusher).Flush()
		}
		arrived <- r.URL.Path
		<-r.Context().Done()
	}))
	tp := startProxy(t, Config{RootCAs: poolOf(h2.Certificate())})
	c := tp.h2Client()

	for _, path := range []string{"/headers", "/body"} {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h2.URL+path, nil)
		done := make(chan error, 1)
		go func() {
			res, err := c.Do(req)
			if err == nil {
				buf := make([]byte, len("first chunk"))
				_, err = io.ReadFull(res.Body, buf)
				cancel()
				res.Body.Close()
			}
			done <- err
		}()
		<-arrived
		if path == "/headers" {
			cancel()
		}
		<-done
		f := tp.rec.wait(t, "reset "+path, finalFor(h2.URL+path))
		if f.State != session.Failed || f.Err == nil || f.Err.Phase != session.PhaseClient {
			t.Errorf("%s: flow of a reset stream: %v %+v", path, f.State, f.Err)
		}
		cancel()
	}
}
