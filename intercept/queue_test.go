package intercept

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/session"
)

const breakRules = `
- name: login
  match: ~u /login
  breakpoint: request
- name: rewrite login
  match: ~u /login
  rewrite: {request: {set-headers: {X-Rule: "1"}}}
- name: answers
  match: ~u /answer
  breakpoint: response
`

// paused decides f and checks that it paused; it returns the Wait.
func paused(t *testing.T, e *Engine, phase Phase, f *session.Flow) func(context.Context) Decision {
	t.Helper()
	d := decide(e, phase, f)
	if d.Action != Pause || d.Wait == nil {
		t.Fatalf("%s %s: %v, want a pause", phase, f.Request.URL, d.Action)
	}
	return d.Wait
}

// waitAsync runs wait in the background and returns its result channel.
func waitAsync(ctx context.Context, wait func(context.Context) Decision) <-chan Decision {
	ch := make(chan Decision, 1)
	go func() { ch <- wait(ctx) }()
	return ch
}

func recv(t *testing.T, ch <-chan Decision) Decision {
	t.Helper()
	return testutil.Receive(t, ch, "return from Wait")
}

func TestPauseResumeEditKill(t *testing.T) {
	e, _ := engineWith(t, Config{}, breakRules)
	ctx := context.Background()

	f := request("POST", "http://app.test/login", "Content-Type: text/plain")
	f.Request.Body = session.Body{Data: []byte("user=a"), Size: 6}
	w := waitAsync(ctx, paused(t, e, RequestPhase, f))
	ps := e.Paused()
	if len(ps) != 1 || ps[0].ID != f.ID || ps[0].Phase != RequestPhase || ps[0].By != `rule "login"` {
		t.Fatalf("Paused: %+v", ps)
	}
	// The held request is the one that would be sent: rewrites applied.
	if ps[0].Flow.Request.Header.Get("X-Rule") != "1" || string(ps[0].Flow.Request.Body.Data) != "user=a" {
		t.Errorf("held request: %+v", ps[0].Flow.Request)
	}
	if err := e.EditResponse(f.ID, &session.Response{Status: 200}); err == nil {
		t.Error("EditResponse of a request-phase pause succeeded")
	}
	if err := e.EditRequest(f.ID, &session.Request{Method: "POST", URL: "not a url"}); err == nil {
		t.Error("EditRequest with a bad URL succeeded")
	}
	edited := ps[0].Flow.Request.Clone()
	edited.URL = "http://app.test/login?edited=1"
	edited.Body = session.Body{Data: []byte("user=b"), Size: 6}
	if err := e.EditRequest(f.ID, edited); err != nil {
		t.Fatal(err)
	}
	d := recv(t, w)
	if d.Action != Pass || d.Request.URL != edited.URL || string(d.Request.Body.Data) != "user=b" || !strings.Contains(d.Note, "request edited") {
		t.Errorf("after edit: %+v", d)
	}
	if len(e.Paused()) != 0 {
		t.Error("edited flow still listed")
	}
	if err := e.Resume(f.ID); !errors.Is(err, ErrNotPaused) {
		t.Errorf("second resolution: %v", err)
	}

	// Resume passes the rules' decision on.
	g := request("GET", "http://app.test/login")
	w = waitAsync(ctx, paused(t, e, RequestPhase, g))
	if err := e.Resume(g.ID); err != nil {
		t.Fatal(err)
	}
	if d := recv(t, w); d.Action != Pass || d.Request.Header.Get("X-Rule") != "1" {
		t.Errorf("resumed: %+v", d)
	}

	// Kill drops it.
	k := request("GET", "http://app.test/login")
	w = waitAsync(ctx, paused(t, e, RequestPhase, k))
	if err := e.Kill(k.ID); err != nil {
		t.Fatal(err)
	}
	if d := recv(t, w); d.Action != Drop || d.Err == nil || d.Err.Msg != "killed at a breakpoint" {
		t.Errorf("killed: %+v", d)
	}

	// Answer at the request phase is a mock; at the response phase, an edit.
	a := request("GET", "http://app.test/login")
	w = waitAsync(ctx, paused(t, e, RequestPhase, a))
	if err := e.Answer(a.ID, &session.Response{Status: 299, Body: session.Body{Data: []byte("mine")}}); err != nil {
		t.Fatal(err)
	}
	if d := recv(t, w); d.Action != Answer || d.Response.Status != 299 {
		t.Errorf("answered: %+v", d)
	}
	r := withResponse(request("GET", "http://app.test/answer"), 200, "origin")
	w = waitAsync(ctx, paused(t, e, ResponsePhase, r))
	if err := e.EditRequest(r.ID, r.Request); err == nil {
		t.Error("EditRequest of a response-phase pause succeeded")
	}
	if err := e.EditResponse(r.ID, &session.Response{Status: 201, Body: session.Body{Data: []byte("edited")}}); err != nil {
		t.Fatal(err)
	}
	if d := recv(t, w); d.Action != Pass || d.Response.Status != 201 || string(d.Response.Body.Data) != "edited" {
		t.Errorf("response edited: %+v", d)
	}
}

func TestResumeAllAndConcurrentPauses(t *testing.T) {
	e, _ := engineWith(t, Config{}, breakRules)
	var wg sync.WaitGroup
	results := make(chan Decision, 20)
	waits := make([]func(context.Context) Decision, 20)
	for i := range waits {
		waits[i] = paused(t, e, RequestPhase, request("GET", "http://app.test/login"))
	}
	for _, w := range waits {
		wg.Add(1)
		go func() { defer wg.Done(); results <- w(context.Background()) }()
	}
	if n := len(e.Paused()); n != 20 {
		t.Fatalf("%d paused, want 20", n)
	}
	if n := e.ResumeAll(); n != 20 {
		t.Errorf("ResumeAll resumed %d", n)
	}
	wg.Wait()
	close(results)
	for d := range results {
		if d.Action != Pass {
			t.Errorf("resumed as %v", d.Action)
		}
	}
	if len(e.Paused()) != 0 {
		t.Error("flows left paused")
	}
}

func TestPauseTimeoutReleasesWithNote(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, _ := engineWith(t, Config{Timeout: 90 * time.Second}, breakRules)
		f := request("GET", "http://app.test/login")
		start := time.Now()
		d := paused(t, e, RequestPhase, f)(context.Background())
		if waited := time.Since(start); waited != 90*time.Second {
			t.Errorf("released after %v, want 90s", waited)
		}
		if d.Action != Pass || d.Request.Header.Get("X-Rule") != "1" || !strings.Contains(d.Note, "released after the 1m30s intercept timeout") {
			t.Errorf("timed out: %+v", d)
		}
		if len(e.Paused()) != 0 {
			t.Error("timed-out flow still listed")
		}
	})
}

func TestPauseEndsWithItsContext(t *testing.T) {
	e, _ := engineWith(t, Config{}, breakRules)
	f := request("GET", "http://app.test/login")
	ctx, cancel := context.WithCancelCause(context.Background())
	w := waitAsync(ctx, paused(t, e, RequestPhase, f))
	cancel(errors.New("the client closed the connection"))
	d := recv(t, w)
	if d.Action != Drop || !strings.Contains(d.Err.Msg, "the client closed the connection") {
		t.Errorf("cancelled: %+v", d)
	}
	if len(e.Paused()) != 0 {
		t.Error("a cancelled pause left an entry")
	}
}

func TestInterceptFilterAndToggle(t *testing.T) {
	e := New(Config{})
	if err := e.SetInterceptFilter("~d x & ~zz"); err == nil {
		t.Error("bad intercept filter accepted")
	}
	if err := e.SetInterceptFilter("~d app.test"); err != nil {
		t.Fatal(err)
	}
	if d := decide(e, RequestPhase, request("GET", "http://app.test/")); d.Action != Pause {
		t.Errorf("request matching the intercept filter: %v", d.Action)
	} else {
		e.ResumeAll()
	}
	if d := decide(e, ResponsePhase, withResponse(request("GET", "http://app.test/"), 200, "")); d.Action == Pause {
		t.Error("a request filter paused a response")
	}
	// ~s makes it a response breakpoint, as in mitmproxy.
	if err := e.SetInterceptFilter(`~d app.test & ~s & !~h "x-y: ~s"`); err != nil {
		t.Fatal(err)
	}
	if d := decide(e, RequestPhase, request("GET", "http://app.test/")); d.Action == Pause {
		t.Error("a ~s filter paused a request")
	}
	if d := decide(e, ResponsePhase, withResponse(request("GET", "http://app.test/"), 200, "")); d.Action != Pause {
		t.Errorf("a ~s filter did not pause the response: %v", d.Action)
	}
	e.ResumeAll()
	e.SetIntercepting(false)
	if d := decide(e, ResponsePhase, withResponse(request("GET", "http://app.test/"), 200, "")); d.Action == Pause {
		t.Error("paused with interception off")
	}
	if e.InterceptFilter() == "" || e.Intercepting() {
		t.Errorf("filter %q, intercepting %v", e.InterceptFilter(), e.Intercepting())
	}
	for expr, want := range map[string]bool{"~s": true, "~src x": false, `~q "~s"`: false, "!(~s)": true, "~d s": false} {
		if got := mentionsResponse(expr); got != want {
			t.Errorf("mentionsResponse(%q) = %v", expr, got)
		}
	}
}
