package mcp

import (
	"net/http"
	"sync"
	"time"
)

// The live server shares the machine with the proxy it reads. Agents call
// tools in tight loops (a page of list_flows, then the next, then
// get_body after get_body), and on a small machine eight such callers
// would take most of a core from the capture. While the proxy is busy,
// the pacer keeps MCP to a share of the time: each request's time is
// debited from a budget that refills at that share, and a request waits
// for the budget before it starts. An idle proxy leaves agents at full
// speed.
const (
	// paceShare is the share of the time MCP requests may take while
	// the proxy is busy.
	paceShare = 0.05
	// paceMaxDebit bounds what one request costs the budget: a replay or
	// a slow client holds a request open without using the processor.
	paceMaxDebit = 50 * time.Millisecond
	// paceMaxWait bounds the wait before a request, so that a burst of
	// calls never leaves an agent waiting for long.
	paceMaxWait = 2 * time.Second
	// paceMaxDebt is the most the budget may owe: what paceMaxWait repays.
	// Without a floor, concurrent callers (or a long busy spell) would run
	// up a debt that kept every request at the cap for hours.
	paceMaxDebt = time.Duration(float64(paceMaxWait) * paceShare)
)

// pacer is the budget of MCP request time. Safe for concurrent use.
type pacer struct {
	busy  func() bool // whether the proxy is capturing now
	share float64
	now   func() time.Time

	mu     sync.Mutex
	budget time.Duration // may go negative: the debt later requests wait off
	at     time.Time     // when budget was last brought up to date
}

func newPacer(busy func() bool) *pacer {
	return &pacer{busy: busy, share: paceShare, now: time.Now}
}

// wait returns how long a request should wait before it starts.
func (p *pacer) wait() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if !p.at.IsZero() {
		p.budget += time.Duration(float64(now.Sub(p.at)) * p.share)
	}
	p.at = now
	// A budget saved up while idle would let a burst through at full
	// speed: it never exceeds one request's worth.
	p.budget = min(p.budget, paceMaxDebit)
	if p.budget >= 0 || !p.busy() {
		return 0
	}
	return min(time.Duration(float64(-p.budget)/p.share), paceMaxWait)
}

// debit charges a request that took d, while the proxy is busy: an idle
// proxy owes nothing.
func (p *pacer) debit(d time.Duration) {
	if !p.busy() {
		return
	}
	p.mu.Lock()
	p.budget = max(p.budget-min(d, paceMaxDebit), -paceMaxDebt)
	p.mu.Unlock()
}

// handler paces h's POST requests (tool calls and the other JSON-RPC
// requests); the GET that carries notifications is left alone.
func (p *pacer) handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			h.ServeHTTP(w, r)
			return
		}
		if d := p.wait(); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		start := p.now()
		h.ServeHTTP(w, r)
		p.debit(p.now().Sub(start))
	})
}
