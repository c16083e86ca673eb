package mcp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestPacerKeepsMCPToItsShareWhileBusy(t *testing.T) {
	now := time.Unix(1000, 0)
	busy := true
	p := newPacer(func() bool { return busy })
	p.now = func() time.Time { return now }

	if d := p.wait(); d != 0 {
		t.Fatalf("first request waits %v", d)
	}
	p.debit(10 * time.Millisecond)
	// 10ms of work at a 5% share: the next request waits 200ms.
	if d := p.wait(); d != 200*time.Millisecond {
		t.Fatalf("after 10ms of work: wait %v, want 200ms", d)
	}
	now = now.Add(200 * time.Millisecond)
	if d := p.wait(); d != 0 {
		t.Fatalf("after the debt is paid: wait %v", d)
	}
	// A slow request (a replay) costs at most paceMaxDebit; a burst
	// waits at most paceMaxWait.
	for range 10 {
		p.debit(time.Minute)
	}
	if d := p.wait(); d != paceMaxWait {
		t.Fatalf("after a long burst: wait %v, want %v", d, paceMaxWait)
	}
	// An idle proxy leaves agents at full speed, debt or not.
	busy = false
	if d := p.wait(); d != 0 {
		t.Fatalf("idle proxy: wait %v", d)
	}
	// Time saved up while idle buys one request's worth, not a burst.
	busy = true
	now = now.Add(time.Hour)
	p.wait()
	p.debit(paceMaxDebit)
	p.debit(paceMaxDebit)
	if d := p.wait(); d <= 0 {
		t.Fatal("a budget saved up for an hour let a burst through")
	}
}

func TestPacerHandler(t *testing.T) {
	calls := 0
	now := time.Unix(1000, 0)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		now = now.Add(time.Millisecond) // the work
	})
	p := newPacer(func() bool { return true })
	p.now = func() time.Time { return now }
	p.debit(paceMaxDebit) // in debt: a POST must wait
	ph := p.handler(h)

	// The notifications stream (GET) is never held.
	ph.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, Path, nil))
	if calls != 1 {
		t.Fatalf("GET: %d calls", calls)
	}
	// A POST whose client gives up while it waits is not served.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ph.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, Path, nil).WithContext(ctx))
	if calls != 1 {
		t.Fatalf("cancelled POST was served")
	}
	// One that waits its turn is served, then charged.
	p.budget = 0
	ph.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, Path, nil))
	if calls != 2 {
		t.Fatalf("POST: %d calls", calls)
	}
	if p.budget != -time.Millisecond {
		t.Fatalf("a served POST of 1ms: budget %v, want -1ms", p.budget)
	}
}

// The debt has a floor and an idle proxy charges nothing, so neither
// many concurrent callers nor a long spell of calls leave every later
// request waiting at the cap for long.
func TestPacerDebtIsBounded(t *testing.T) {
	now := time.Unix(1000, 0)
	busy := false
	p := newPacer(func() bool { return busy })
	p.now = func() time.Time { return now }
	for range 1000 { // ten minutes of calls to an idle proxy
		p.wait()
		p.debit(20 * time.Millisecond)
		now = now.Add(600 * time.Millisecond)
	}
	busy = true
	if d := p.wait(); d != 0 {
		t.Fatalf("after calls to an idle proxy, a busy one makes the next wait %v", d)
	}
	for range 1000 { // eight callers at once, each charged its full time
		p.debit(time.Minute)
	}
	if d := p.wait(); d > paceMaxWait {
		t.Fatalf("wait %v past the cap", d)
	}
	now = now.Add(paceMaxWait)
	if d := p.wait(); d != 0 {
		t.Fatalf("the debt of a burst outlived one capped wait: %v", d)
	}
}
