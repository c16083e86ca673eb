package ui

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/replay"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// recordingProxy stands for siphon's listener: a loopback HTTP proxy that
// answers every request itself and records its method and URL.
type recordingProxy struct {
	mu   sync.Mutex
	seen []string
}

func (p *recordingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.seen = append(p.seen, r.Method+" "+r.URL.String())
	p.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (p *recordingProxy) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.seen)
}

// replayStore holds a GET, a POST and a DELETE, in that order.
func replayStore(t *testing.T) *session.Store {
	t.Helper()
	s, err := session.Open(filepath.Join(t.TempDir(), "replay.db"), session.Options{})
	must(t, err)
	t.Cleanup(func() { s.Close() })
	for i, mu := range [][2]string{{"GET", "/items"}, {"POST", "/items"}, {"DELETE", "/items/7"}} {
		s.Add(timed(&session.Flow{State: session.Done, Request: req(mu[0], "http://shop.test"+mu[1], nil, ""),
			Response: resp(200, "text/plain", nil)}, i, time.Millisecond))
	}
	return s
}

// ctrl+r on flows that include POST, PUT, PATCH or DELETE asks first,
// saying how many: nothing is sent before the answer, n sends nothing, y
// sends them all. Only GET and the like are replayed without asking.
func TestReplayAllAsksFirst(t *testing.T) {
	proxy := &recordingProxy{}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	sender, err := replay.NewSender(replay.SenderConfig{Proxy: srv.Listener.Addr().String()})
	must(t, err)
	tm := start(t, replayStore(t), 120, 20, WithReplay(sender))
	waitScreen(t, tm, "/items/7")

	press(tm, keymap.ScopeList, keymap.ActReplayAll)
	waitScreen(t, tm, "replay 3 flows, 2 of them POST/DELETE?")
	if got := proxy.requests(); len(got) != 0 {
		t.Fatalf("sent before the answer: %q", got)
	}
	press(tm, keymap.ScopePrompt, keymap.ActCancel)
	waitScreen(t, tm, "? help") // the hint bar is back
	// Asked again: the first question ended with nothing sent.
	press(tm, keymap.ScopeList, keymap.ActReplayAll)
	waitScreen(t, tm, "replay 3 flows, 2 of them POST/DELETE?")
	if got := proxy.requests(); len(got) != 0 {
		t.Fatalf("sent after n: %q", got)
	}
	press(tm, keymap.ScopePrompt, keymap.ActConfirm)
	waitScreen(t, tm, "replayed 3 flows: 3 sent, 0 errors")
	want := []string{"GET http://shop.test/items", "POST http://shop.test/items", "DELETE http://shop.test/items/7"}
	if got := proxy.requests(); !slices.Equal(got, want) {
		t.Fatalf("sent %q, want %q", got, want)
	}

	// Only the GET shown: replayed at once.
	press(tm, keymap.ScopeList, keymap.ActFilter)
	typeText(tm, "~m GET")
	waitScreen(t, tm, "1/3 flows")
	press(tm, keymap.ScopeList, keymap.ActReplayAll)
	waitScreen(t, tm, "replayed 1 flow: 1 sent, 0 errors")
	if got := proxy.requests(); len(got) != 4 || got[3] != want[0] {
		t.Fatalf("sent %q, want the GET again", got)
	}
	finish(t, tm)
}
