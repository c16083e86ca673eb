package mitm

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
)

// TestWebSocketRelaysLeaveNothingBehind opens and closes 200 WebSockets
// through the proxy with message rules in force (frames relayed one by
// one): a third closed by the client, a third cut, a third cut while a
// message is held. The goroutines return to their number before, and
// neither the proxy nor the engine keeps anything of the connections.
func TestWebSocketRelaysLeaveNothingBehind(t *testing.T) {
	origin := wsEchoOrigin(t)
	e := rulesEngine(t, intercept.Config{}, `
- name: every message
  match: ~websocket
  rewrite: {messages: {body-replace: [{regex: ping, replace: pong}]}}
- name: hold
  match: ~bq hold
  breakpoint: messages
`)
	tp := startProxy(t, Config{Decider: e})
	hc := tp.client()
	u := "ws" + strings.TrimPrefix(origin, "http") + "/echo"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	round := func(i int) {
		c, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: hc})
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		if err := c.Write(ctx, websocket.MessageText, []byte("ping")); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		if _, b, err := c.Read(ctx); err != nil || string(b) != "pong" {
			t.Fatalf("read %d: %q %v", i, b, err)
		}
		switch i % 3 {
		case 0:
			c.Close(websocket.StatusNormalClosure, "")
		case 1:
			c.CloseNow()
		case 2:
			if err := c.Write(ctx, websocket.MessageText, []byte("hold")); err != nil {
				t.Fatalf("write %d: %v", i, err)
			}
			waitPausedMessages(t, e, 1)
			c.CloseNow()
			waitPausedMessages(t, e, 0)
		}
	}
	round(0) // warm up what lives as long as the proxy
	tp.rec.wait(t, "the first connection closed", finalFor("http"+strings.TrimPrefix(u, "ws")))
	settle := func(want int) int {
		deadline := time.After(20 * time.Second)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			n := runtime.NumGoroutine()
			if want < 0 || n <= want {
				return n
			}
			select {
			case <-tick.C:
			case <-deadline:
				buf := make([]byte, 1<<20)
				t.Fatalf("%d goroutines after 20s, want at most %d:\n%s", n, want, buf[:runtime.Stack(buf, true)])
			}
		}
	}
	hc.CloseIdleConnections()
	base := settle(-1)
	for i := 1; i <= 200; i++ {
		round(i)
	}
	hc.CloseIdleConnections()
	for seq := int64(1); seq <= int64(tp.rec.count()); seq++ {
		tp.rec.wait(t, fmt.Sprintf("%d closed", seq), func(f *session.Flow) bool {
			return f.Seq == seq && (f.State == session.Done || f.State == session.Failed)
		})
	}
	// A few may be the test's own (timers, the ticker): a leak is one or
	// more per connection.
	settle(base + 5)
	tp.ws.mu.Lock()
	defer tp.ws.mu.Unlock()
	if len(tp.ws.byID) != 0 {
		t.Errorf("%d closed connections still listed", len(tp.ws.byID))
	}
	if ps := e.PausedMessages(); len(ps) != 0 {
		t.Errorf("%d messages still paused", len(ps))
	}
}

// wsEchoOrigin starts an origin that echoes WebSocket messages.
func wsEchoOrigin(t *testing.T) string {
	s := wsOrigin(t, false)
	s.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, b, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if err := c.Write(r.Context(), typ, b); err != nil {
				return
			}
		}
	})
	return s.URL
}
