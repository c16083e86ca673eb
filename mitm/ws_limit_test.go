package mitm

import (
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
)

// TestWebSocketOversizedMessageNotedForWhatDidNotHappen checks that a
// message too large to hold, with only a rewrite rule in force, goes on
// unchanged, noted as not rewritten and never as not held.
func TestWebSocketOversizedMessageNotedForWhatDidNotHappen(t *testing.T) {
	origin := wsOrigin(t, false)
	e := rulesEngine(t, intercept.Config{}, `
- name: up rewrite
  match: ~websocket
  rewrite: {messages: {body-replace: [{regex: secret, replace: public}]}}
`)
	tp := startProxy(t, Config{Decider: e, BodyLimit: 1 << 10})
	p := dialWS(t, tp, origin, false, websocket.CompressionDisabled)
	big := "secret " + strings.Repeat("x", 4<<10)
	p.send(t, websocket.MessageText, big)
	expect(t, "origin", p.toServer, websocket.MessageText, big)
	m := waitMessage(t, tp, p.flowID, "the large message", func(m session.Message) bool { return m.Dir == session.Up })
	if m.Note != "not rewritten: larger than the capture limit" || m.Action != "" || m.Size != int64(len(big)) {
		t.Errorf("recorded size %d, action %q, note %q", m.Size, m.Action, m.Note)
	}
	// A small one is still rewritten.
	p.send(t, websocket.MessageText, "small secret")
	expect(t, "origin", p.toServer, websocket.MessageText, "small public")
}
