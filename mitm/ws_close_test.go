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
