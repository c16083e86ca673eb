package mitm

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"strings"
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

// siphon behind siphon (--upstream): h2 on every hop that offers it. And
// cookies an h2 client splits into fields of their own reach an HTTP/1.1
// origin as one header (RFC 9113 §8.2.3; Go's HTTP/2 server joins them).
func TestHTTP2ThroughUpstreamProxy(t *testing.T) {
	h2 := h2Origin(t, protoEcho())
	h1 := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Join(r.Header.Values("Cookie"), "|"))
	}))
	defer h1.Close()
	upstream := startProxy(t, Config{RootCAs: poolOf(h2.Certificate())})
	tp := startProxy(t, Config{
		Upstream: &url.URL{Scheme: "http", Host: upstream.addr},
		RootCAs:  upstream.minter.CA().Pool(),
	})
	c := tp.h2Client()
	r := mustOK(t, get(c, h2.URL+"/chained"))
	if r.body != "HTTP/2.0 /chained " {
		t.Errorf("through two siphons: %q", r.body)
	}
	for _, p := range []*testProxy{tp, upstream} {
		f := p.rec.wait(t, "chained", finalFor(h2.URL+"/chained"))
		if f.Request.Proto != "HTTP/2.0" || f.Response == nil || f.Response.Proto != "HTTP/2.0" {
			t.Errorf("flow: %s %+v", f.Request.Proto, f.Response)
		}
	}

	// Go's client sends each cookie in a field of its own over h2.
	req, _ := http.NewRequest(http.MethodGet, h1.URL+"/cookies", nil)
	req.Header["Cookie"] = []string{"a=1", "b=2"}
	direct := startProxy(t, Config{RootCAs: poolOf(h1.Certificate())})
	if r := mustOK(t, fetch(direct.h2Client(), req)); r.body != "a=1; b=2" {
		t.Errorf("the HTTP/1.1 origin got cookies %q, want one header", r.body)
	}
}

// A mock answers an h2 client that keeps its upload open (a gRPC stream
// waiting for the answer) after a bounded drain; the flow keeps what was
// sent and is not the client's failure.
func TestHTTP2MockAnswersAnOpenUpload(t *testing.T) {
	e := rulesEngine(t, intercept.Config{}, `
- name: api
  match: ~d api.invalid
  mock: {body: answered}
`)
	tp := startProxy(t, Config{Decider: e, DialContext: (&noDNS{}).DialContext})
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() { io.WriteString(pw, "partial") }()
	req, _ := http.NewRequest(http.MethodPost, "https://api.invalid/stream", pr)
	r := mustOK(t, fetch(tp.h2Client(), req))
	if r.status != 200 || r.body != "answered" {
		t.Fatalf("mock of an open upload: %d %q", r.status, r.body)
	}
	f := tp.rec.wait(t, "open upload", finalFor("https://api.invalid/stream"))
	if f.State != session.Done || f.Err != nil || string(f.Request.Body.Data) != "partial" {
		t.Errorf("flow: %v %+v %q", f.State, f.Err, f.Request.Body.Data)
	}
}

// A rewrite that changes a body's length on an h2 flow sends the new
// length (or none): the client reads the rewritten body whole. HEAD keeps
// the origin's Content-Length and sends no body.
func TestHTTP2RewriteChangesLength(t *testing.T) {
	h2 := h2Origin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "13")
		io.WriteString(w, `{"price":123}`)
	}))
	e := rulesEngine(t, intercept.Config{}, `
- name: cheaper
  match: ~u /price
  rewrite: {response: {body-replace: [{regex: '"price":\d+', replace: '"price":"free of charge"'}]}}
`)
	tp := startProxy(t, Config{Decider: e, RootCAs: poolOf(h2.Certificate())})
	c := tp.h2Client()
	r := mustOK(t, get(c, h2.URL+"/price"))
	if want := `{"price":"free of charge"}`; r.body != want {
		t.Fatalf("rewritten body %q, want %q", r.body, want)
	}
	if cl := r.header.Get("Content-Length"); cl != "" && cl != "26" {
		t.Errorf("Content-Length %s for a 26-byte body", cl)
	}
	req, _ := http.NewRequest(http.MethodHead, h2.URL+"/price", nil)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.ContentLength != 13 {
		t.Errorf("HEAD: %d, length %d", res.StatusCode, res.ContentLength)
	}
}
