package mitm

import (
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
)

// TestWebSocketMessagesQueuedBehindHeldOneWhenClientGoes checks that when
// the client goes away while a message to it is held, the held message and
// those queued behind it are all recorded as not delivered: the client got
// none of them.
func TestWebSocketMessagesQueuedBehindHeldOneWhenClientGoes(t *testing.T) {
	origin := wsOrigin(t, false)
	e := rulesEngine(t, intercept.Config{Timeout: time.Minute}, `
- name: hold down
  match: ~websocket & ~bs held
  breakpoint: messages
`)
	tp := startProxy(t, Config{Decider: e})
	p := dialWS(t, tp, origin, false, websocket.CompressionDisabled)
	text := websocket.MessageText
	p.reply(t, text, "held A")
	waitPausedMessages(t, e, 1)
	// Sent before the client goes: the proxy reads them before the
	// origin's end, whenever that comes.
	p.reply(t, text, "next B")
	p.reply(t, text, "next C")
	p.client.CloseNow()
	tp.rec.wait(t, "closed WebSocket", func(f *session.Flow) bool {
		return f.ID == p.flowID && (f.State == session.Done || f.State == session.Failed)
	})
	waitPausedMessages(t, e, 0)
	down := map[string]session.Message{}
	for _, m := range tp.rec.messages(p.flowID) {
		if m.Dir == session.Down && m.Opcode == session.OpText {
			down[string(m.Data)] = m
		}
	}
	if m := down["held A"]; m.Action != session.ActionDropped || !strings.Contains(m.Note, "connection closed") {
		t.Errorf("held message recorded as %+v", m)
	}
	for _, data := range []string{"next B", "next C"} {
		if m, ok := down[data]; !ok || m.Action != session.ActionDropped || !strings.Contains(m.Note, "not delivered: the connection closed") {
			t.Errorf("%q, queued behind the held message, recorded as %+v (recorded: %v)", data, m, ok)
		}
	}
	select {
	case m := <-p.toClient:
		t.Errorf("the client got %q", m.data)
	default:
	}
}

// TestWebSocketCloseWaitsForHeldMessage checks that a close frame does not
// overtake a held message going the same way: the origin gets the message
// once forwarded, then the close, and the client's close handshake
// completes.
func TestWebSocketCloseWaitsForHeldMessage(t *testing.T) {
	for _, m := range wsModes {
		t.Run(m.name, func(t *testing.T) {
			origin := wsOrigin(t, false)
			e := rulesEngine(t, intercept.Config{Timeout: time.Minute}, wsMessageRules)
			tp := startProxy(t, Config{Decider: e})
			p := dialWS(t, tp, origin, false, m.mode)
			text := websocket.MessageText
			p.send(t, text, "after hold"+pad)
			held := waitPausedMessages(t, e, 1)[0]
			closed := make(chan error, 1)
			go func() { closed <- p.client.Close(websocket.StatusNormalClosure, "bye") }()
			// The proxy has read the close frame (the flow's counts are
			// published every streamEvery), and it waits.
			tp.rec.wait(t, "the client's close frame read", func(f *session.Flow) bool {
				return f.ID == p.flowID && f.Stream != nil && f.Stream.FramesUp >= 2
			})
			if err := e.ForwardMessage(held.ID, nil); err != nil {
				t.Fatal(err)
			}
			expect(t, "origin", p.toServer, text, "after hold"+pad)
			select {
			case err := <-p.serverDone:
				if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
					t.Errorf("the origin's connection ended with %v, want the client's close", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the origin never got the close")
			}
			select {
			case err := <-closed:
				if err != nil {
					t.Errorf("the client's close handshake: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the client's close never completed")
			}
			waitMessage(t, tp, p.flowID, "the held message, forwarded", func(m session.Message) bool {
				return m.Dir == session.Up && string(m.Data) == "after hold"+pad && m.Action == "" && m.Note == ""
			})
		})
	}
}
