package mitm

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
)

// seenOrigin answers with what it received: method, URI, a header, body.
func seenOrigin() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Origin", "yes")
		fmt.Fprintf(w, "%s %s x-edit=%s body=%s", r.Method, r.URL.RequestURI(), r.Header.Get("X-Edit"), body)
	}))
}

const breakpointRules = `
- name: requests
  match: ~u /req
  breakpoint: request
- name: responses
  match: ~u /res
  breakpoint: response
`

func TestBreakpointEditsRequestAndResponse(t *testing.T) {
	plain := seenOrigin()
	defer plain.Close()
	secure := httptest.NewTLSServer(plain.Config.Handler)
	defer secure.Close()
	e := rulesEngine(t, intercept.Config{}, breakpointRules)
	tp := startProxy(t, Config{Decider: e, RootCAs: poolOf(secure.Certificate())})
	c := tp.client()

	for _, base := range []string{plain.URL, secure.URL} {
		// The request, edited at the breakpoint, is what the origin gets.
		url := base + "/req?a=1"
		req, _ := http.NewRequest("POST", url, strings.NewReader("original body"))
		ch := fetch(c, req)
		p := waitPaused(t, e, 1)[0]
		if p.Phase != intercept.RequestPhase || string(p.Flow.Request.Body.Data) != "original body" {
			t.Fatalf("paused: %+v %+v", p, p.Flow.Request)
		}
		// The engine lists the flow as paused before the proxy publishes it
		// as intercepted: wait for that snapshot (wait fails if it never comes).
		tp.rec.wait(t, "intercepted", func(f *session.Flow) bool { return f.ID == p.ID && f.State == session.Intercepted })
		edited := p.Flow.Request.Clone()
		edited.Method = "PUT"
		edited.URL = base + "/req?a=2"
		edited.Header.Set("X-Edit", "yes")
		edited.Body = session.Body{Data: []byte("edited body")}
		if err := e.EditRequest(p.ID, edited); err != nil {
			t.Fatal(err)
		}
		r := mustOK(t, ch)
		if want := "PUT /req?a=2 x-edit=yes body=edited body"; r.body != want {
			t.Errorf("origin saw %q, want %q", r.body, want)
		}
		f := tp.rec.wait(t, "edited", func(f *session.Flow) bool { return f.ID == p.ID && f.State == session.Done })
		if f.Original == nil || f.Original.Method != "POST" || f.Original.URL != url || string(f.Original.Body.Data) != "original body" {
			t.Errorf("original: %+v", f.Original)
		}
		if f.Request.Method != "PUT" || string(f.Request.Body.Data) != "edited body" || f.Request.Header.Get("Content-Length") != "" && f.Request.Header.Get("Content-Length") != "11" {
			t.Errorf("sent: %+v", f.Request)
		}

		// The response, edited at the breakpoint, is what the client gets.
		url = base + "/res"
		ch = get(c, url)
		p = waitPaused(t, e, 1)[0]
		if p.Phase != intercept.ResponsePhase || !strings.HasPrefix(string(p.Flow.Response.Body.Data), "GET /res") {
			t.Fatalf("paused response: %+v", p.Flow.Response)
		}
		res := p.Flow.Response.Clone()
		res.Status = 299
		res.Header.Set("X-Edit", "response")
		res.Body = session.Body{Data: []byte("edited response")}
		if err := e.EditResponse(p.ID, res); err != nil {
			t.Fatal(err)
		}
		r = mustOK(t, ch)
		if r.status != 299 || r.body != "edited response" || r.header.Get("X-Edit") != "response" || r.header.Get("X-Origin") != "yes" {
			t.Errorf("client got %d %q %v", r.status, r.body, r.header)
		}
		f = tp.rec.wait(t, "response edited", func(f *session.Flow) bool { return f.ID == p.ID && f.State == session.Done })
		if f.Response.Status != 299 || string(f.Response.Body.Data) != "edited response" || !strings.Contains(f.Comment, "response edited") {
			t.Errorf("recorded: %d %q %q", f.Response.Status, f.Response.Body.Data, f.Comment)
		}
	}
}

func TestBreakpointAnswerAndKill(t *testing.T) {
	origin := seenOrigin()
	defer origin.Close()
	e := rulesEngine(t, intercept.Config{}, breakpointRules)
	tp := startProxy(t, Config{Decider: e})
	c := tp.client()

	ch := get(c, origin.URL+"/req/answer")
	p := waitPaused(t, e, 1)[0]
	if err := e.Answer(p.ID, &session.Response{Status: 418, Header: http.Header{"X-Mine": {"1"}}, Body: session.Body{Data: []byte("teapot")}}); err != nil {
		t.Fatal(err)
	}
	if r := mustOK(t, ch); r.status != 418 || r.body != "teapot" || r.header.Get("X-Origin") != "" {
		t.Errorf("answered: %d %q %v", r.status, r.body, r.header)
	}
	f := tp.rec.wait(t, "answered", func(f *session.Flow) bool { return f.ID == p.ID && f.State == session.Done })
	if f.Source != session.Mock || f.Response.Status != 418 {
		t.Errorf("answered flow: source %v response %+v", f.Source, f.Response)
	}

	// A new connection: Go's transport would retry an idempotent request
	// whose reused connection closed, and the retry would pause again.
	ch = get(tp.client(), origin.URL+"/res/kill")
	p = waitPaused(t, e, 1)[0]
	if err := e.Kill(p.ID); err != nil {
		t.Fatal(err)
	}
	if r := await(t, ch); r.err == nil {
		t.Errorf("killed flow got a response: %d %q", r.status, r.body)
	}
	f = tp.rec.wait(t, "killed", func(f *session.Flow) bool { return f.ID == p.ID && f.State == session.Failed })
	if f.Err.Phase != session.PhaseIntercept || f.Err.Msg != "killed at a breakpoint" {
		t.Errorf("killed flow error: %+v", f.Err)
	}
	assertStillServes(t, tp)
}

func TestPausedFlowDoesNotDelayOthers(t *testing.T) {
	origin := seenOrigin()
	defer origin.Close()
	e := rulesEngine(t, intercept.Config{}, breakpointRules)
	tp := startProxy(t, Config{Decider: e})
	c := tp.client()

	held := get(c, origin.URL+"/req/held")
	p := waitPaused(t, e, 1)[0]
	// While it is paused, other flows (new connections, HTTP and CONNECT)
	// complete.
	for i := range 5 {
		r := mustOK(t, get(c, fmt.Sprintf("%s/free/%d", origin.URL, i)))
		if r.status != 200 {
			t.Errorf("free flow %d: %d", i, r.status)
		}
	}
	select {
	case r := <-held:
		t.Fatalf("the paused flow finished before it was resumed: %+v", r)
	default:
	}
	if len(e.Paused()) != 1 {
		t.Fatal("the paused flow is no longer paused")
	}
	if err := e.Resume(p.ID); err != nil {
		t.Fatal(err)
	}
	if r := mustOK(t, held); r.body != "GET /req/held x-edit= body=" {
		t.Errorf("resumed: %q", r.body)
	}
	f := tp.rec.wait(t, "resumed", func(f *session.Flow) bool { return f.ID == p.ID && f.State == session.Done })
	if f.Original != nil {
		t.Errorf("a resumed, unedited flow has an Original: %+v", f.Original)
	}
}

func TestBreakpointTimeoutReleases(t *testing.T) {
	origin := seenOrigin()
	defer origin.Close()
	e := rulesEngine(t, intercept.Config{Timeout: 100 * time.Millisecond}, breakpointRules)
	tp := startProxy(t, Config{Decider: e})
	// Nobody resolves the flows: each is released after the timeout.
	for _, path := range []string{"/req/late", "/res/late"} {
		r := mustOK(t, get(tp.client(), origin.URL+path))
		if r.status != 200 || !strings.HasPrefix(r.body, "GET "+path) {
			t.Errorf("%s released: %d %q", path, r.status, r.body)
		}
		f := tp.rec.wait(t, "released", finalFor(origin.URL+path))
		if f.State != session.Done || !strings.Contains(f.Comment, "released after the 100ms intercept timeout") {
			t.Errorf("%s: state %v comment %q", path, f.State, f.Comment)
		}
	}
	if n := len(e.Paused()); n != 0 {
		t.Errorf("%d flows still paused", n)
	}
}

func TestClientHangUpReleasesPausedFlow(t *testing.T) {
	origin := seenOrigin()
	defer origin.Close()
	e := rulesEngine(t, intercept.Config{}, breakpointRules)
	tp := startProxy(t, Config{Decider: e})

	for _, path := range []string{"/req/gone", "/res/gone"} {
		conn, err := net.Dial("tcp", tp.addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET %s%s HTTP/1.1\r\nHost: %s\r\n\r\n", origin.URL, path, strings.TrimPrefix(origin.URL, "http://"))
		p := waitPaused(t, e, 1)[0]
		conn.Close()
		waitPaused(t, e, 0)
		f := tp.rec.wait(t, "hung up", func(f *session.Flow) bool { return f.ID == p.ID && f.State == session.Failed })
		if f.Err.Phase != session.PhaseClient || !strings.Contains(f.Err.Msg, "while the flow was paused") {
			t.Errorf("%s: error %+v", path, f.Err)
		}
		if err := e.Resume(p.ID); err == nil {
			t.Errorf("%s: a hung-up flow could still be resumed", path)
		}
	}
	assertStillServes(t, tp)
}

func TestPausedKeepAliveConnectionServesNextRequest(t *testing.T) {
	origin := seenOrigin()
	defer origin.Close()
	e := rulesEngine(t, intercept.Config{}, breakpointRules)
	tp := startProxy(t, Config{Decider: e})
	conn, err := net.Dial("tcp", tp.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	host := strings.TrimPrefix(origin.URL, "http://")
	// Pipelined: the second request is already on the wire while the
	// first is paused; it must reach martian intact after the resume.
	fmt.Fprintf(conn, "GET %s/req/one HTTP/1.1\r\nHost: %s\r\n\r\nGET %s/two HTTP/1.1\r\nHost: %s\r\n\r\n", origin.URL, host, origin.URL, host)
	p := waitPaused(t, e, 1)[0]
	if err := e.Resume(p.ID); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"GET /req/one", "GET /two"} {
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("reading %s: %v", want, err)
		}
		body, _ := io.ReadAll(res.Body)
		if !strings.HasPrefix(string(body), want) {
			t.Errorf("got %q, want %s", body, want)
		}
	}
}

func TestShutdownReleasesPausedFlows(t *testing.T) {
	origin := seenOrigin()
	defer origin.Close()
	e := rulesEngine(t, intercept.Config{}, breakpointRules)
	tp := startProxy(t, Config{Decider: e})
	ch := get(tp.client(), origin.URL+"/req/at-shutdown")
	p := waitPaused(t, e, 1)[0]
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tp.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with a paused flow: %v", err)
	}
	if r := await(t, ch); r.err == nil {
		t.Errorf("paused flow answered after shutdown: %d", r.status)
	}
	f := tp.rec.wait(t, "shut down", func(f *session.Flow) bool { return f.ID == p.ID && f.State == session.Failed })
	if !strings.Contains(f.Err.Msg, "shut down") {
		t.Errorf("error %+v", f.Err)
	}
	if n := len(e.Paused()); n != 0 {
		t.Errorf("%d flows still paused", n)
	}
}
