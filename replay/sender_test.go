package replay

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/mitm"
	"github.com/siphonproxy/siphon/session"
)

// TestSenderReplaysCapturedFlows captures requests through the proxy, then
// replays the captured flows: the origin must see the same requests again,
// and the replays must be captured as new flows marked Replay.
func TestSenderReplaysCapturedFlows(t *testing.T) {
	plain, secure := newEchoOrigin(t, false), newEchoOrigin(t, true)
	c := startCapture(t, plain, secure)
	cases := originals()[:4] // json post, binary put, binary without type, get without defaults
	for _, o := range []*echoOrigin{plain, secure} {
		for _, r := range cases {
			sendVia(t, c.client(), o.URL, r)
			want := o.next(t)
			live := c.waitFlows(t, 1, func(f *session.Flow) bool {
				return f.Source == session.Live && f.Request.URL == want.URL && f.Request.Method == want.Method
			})[0]

			res := c.sender(t).Send(context.Background(), live)
			if res.Err != nil || res.Status != 200 || res.Size != int64(len("echo ok\n")) || res.FlowID == "" {
				t.Fatalf("%s %s: replay result %+v", r.method, want.URL, res)
			}
			sameRequest(t, "replay of "+want.URL, o.next(t), want)

			replayed := c.waitFlows(t, 1, func(f *session.Flow) bool { return f.ID == res.FlowID })[0]
			if replayed.Source != session.Replay || replayed.State != session.Done || replayed.Response.Status != 200 {
				t.Errorf("captured replay: source %v state %v response %+v", replayed.Source, replayed.State, replayed.Response)
			}
			if replayed.Request.Method != live.Request.Method || replayed.Request.URL != live.Request.URL ||
				string(replayed.Request.Body.Data) != string(live.Request.Body.Data) {
				t.Errorf("captured replay request differs from the original flow")
			}
		}
	}
	// The originals stay Live: only the Sender's connections are marked.
	if n := c.store.Count(session.MatcherFunc(isSource(session.Live))); n != 2*len(cases) {
		t.Errorf("%d live flows, want %d", n, 2*len(cases))
	}
}

func TestSenderReportsFailures(t *testing.T) {
	o := newEchoOrigin(t, false)
	c := startCapture(t, o)
	sendVia(t, c.client(), o.URL, original{method: "GET", path: "/gone"})
	o.next(t)
	flow := c.waitFlows(t, 1, isSource(session.Live))[0]
	o.Close() // the origin is gone: siphon's dial fails

	res := c.sender(t).Send(context.Background(), flow)
	var ferr *session.Error
	if !errors.As(res.Err, &ferr) || ferr.Phase != session.PhaseDial || res.Status != 502 {
		t.Fatalf("replay to a closed origin: %+v", res)
	}
	got := c.waitFlows(t, 1, func(f *session.Flow) bool { return f.ID == res.FlowID })[0]
	if got.Source != session.Replay || got.State != session.Failed {
		t.Errorf("captured failed replay: source %v state %v", got.Source, got.State)
	}

	// Flows that cannot be sent as captured are refused before anything
	// reaches the proxy.
	cut := flow.Clone()
	cut.Request.Body = session.Body{Data: []byte("ab"), Size: 10, Truncated: true}
	if res := c.sender(t).Send(context.Background(), cut); !errors.Is(res.Err, ErrTruncated) || res.FlowID != "" {
		t.Errorf("truncated body: %+v", res)
	}
}

func TestRunnerRepeatCounts(t *testing.T) {
	o := newEchoOrigin(t, false)
	gone := newEchoOrigin(t, false)
	c := startCapture(t, o, gone)
	sendVia(t, c.client(), o.URL, originals()[0]) // json post
	o.next(t)
	sendVia(t, c.client(), gone.URL, original{method: "GET", path: "/x"})
	gone.next(t)
	flows := c.waitFlows(t, 2, isSource(session.Live))

	// 100 replays of one flow, 8 at a time.
	var rounds []int
	r := &Runner{Sender: c.sender(t), Repeat: 100, Concurrency: 8,
		OnResult: func(res Result) { rounds = append(rounds, res.Round) }}
	sum := r.Run(context.Background(), flows[:1])
	if sum.Count != 100 || sum.Errors != 0 || sum.Statuses[200] != 100 || len(sum.Statuses) != 1 {
		t.Fatalf("summary %+v, want 100 sent, 0 errors, 100×200", sum)
	}
	slices.Sort(rounds)
	for i, rd := range rounds {
		if rd != i+1 {
			t.Fatalf("rounds reported %v, want 1..100 once each", rounds)
		}
	}
	if sum.P50 <= 0 || sum.P95 < sum.P50 || sum.Max < sum.P95 {
		t.Errorf("percentiles p50 %v p95 %v max %v", sum.P50, sum.P95, sum.Max)
	}
	for range 100 {
		o.next(t) // the origin received every one
	}
	c.waitFlows(t, 100, isSource(session.Replay))

	// Errors are counted: half the flows go to an origin that is gone.
	gone.Close()
	sum = (&Runner{Sender: c.sender(t), Repeat: 10, Concurrency: 4}).Run(context.Background(), flows)
	if sum.Count != 20 || sum.Errors != 10 || sum.Statuses[200] != 10 || sum.Statuses[502] != 10 {
		t.Fatalf("summary %+v, want 20 sent, 10 errors", sum)
	}
	c.waitFlows(t, 120, isSource(session.Replay))
	if s := sum.String(); s == "" {
		t.Error("empty summary line")
	}
}

func TestRunnerStopsWhenCancelled(t *testing.T) {
	o := newEchoOrigin(t, false)
	c := startCapture(t, o)
	sendVia(t, c.client(), o.URL, original{method: "GET", path: "/x"})
	o.next(t)
	flows := c.waitFlows(t, 1, isSource(session.Live))
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	r := &Runner{Sender: c.sender(t), Repeat: 1000, Concurrency: 1, OnResult: func(Result) {
		if n++; n == 3 {
			cancel()
		}
	}}
	sum := r.Run(ctx, flows)
	if sum.Count >= 1000 || sum.Count < 3 {
		t.Fatalf("a cancelled run sent %d of 1000", sum.Count)
	}
}

// TestSenderProxyAuth replays through a listener that requires
// credentials (siphon --proxy-auth), over HTTP and HTTPS.
func TestSenderProxyAuth(t *testing.T) {
	plain, secure := newEchoOrigin(t, false), newEchoOrigin(t, true)
	c := startCaptureAuth(t, &mitm.Credentials{User: "me", Pass: "s3cret"}, plain, secure)
	for _, o := range []*echoOrigin{plain, secure} {
		f := seenAsFlow(seen{Method: "GET", URL: o.URL + "/auth", Header: http.Header{"User-Agent": {"t"}}})
		cfg := SenderConfig{Proxy: c.addr, RootCAs: c.caPool, Marker: c.marker}
		without, _ := NewSender(cfg)
		defer without.Close()
		res := without.Send(context.Background(), f)
		// A plain request gets the 407; a CONNECT refused with 407 is an
		// error of Go's transport.
		if res.Status != http.StatusProxyAuthRequired && (res.Err == nil || !strings.Contains(res.Err.Error(), "Proxy Authentication Required")) {
			t.Errorf("%s without credentials: %+v", o.URL, res)
		}
		cfg.ProxyUser, cfg.ProxyPass = "me", "s3cret"
		with, _ := NewSender(cfg)
		defer with.Close()
		if res := with.Send(context.Background(), f); res.Err != nil || res.Status != 200 || res.FlowID == "" {
			t.Errorf("%s with credentials: %+v", o.URL, res)
		}
		sameRequest(t, "replay with proxy auth", o.next(t), seen{Method: "GET", URL: o.URL + "/auth", Header: http.Header{"User-Agent": {"t"}}})
	}
}

// An origin that closes the connection after its response (Connection:
// close) must not cost the replay its captured flow's ID.
func TestSenderKnowsFlowWhenOriginClosesConnection(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		io.WriteString(w, "bye")
	}))
	defer origin.Close()
	c := startCapture(t)
	f := &session.Flow{Request: &session.Request{Method: "GET", URL: origin.URL + "/closing", Proto: "HTTP/1.1", Header: http.Header{}}}
	for i := range 3 {
		res := c.sender(t).Send(context.Background(), f)
		if res.Err != nil || res.Status != 200 || res.FlowID == "" {
			t.Fatalf("replay %d: %+v", i, res)
		}
		got := c.waitFlows(t, 1, func(g *session.Flow) bool { return g.ID == res.FlowID })[0]
		if got.Source != session.Replay {
			t.Errorf("replay %d captured as %v", i, got.Source)
		}
	}
	c.marker.mu.Lock()
	left := len(c.marker.conns)
	c.marker.mu.Unlock()
	if left != 0 {
		t.Errorf("marker still watches %d closed connections", left)
	}
}
