package mitm

import (
	"errors"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
)

const wsMessageRules = `
- name: hold up
  match: ~bq hold
  breakpoint: messages
- name: up rewrite
  match: ~bq secret
  rewrite: {messages: {body-replace: [{regex: secret, replace: public}], direction: up}}
- name: down rewrite
  match: ~bs price
  rewrite: {messages: {body-replace: [{regex: 'price=\d+', replace: 'price=0'}], direction: down}}
- name: no spam
  match: ~bq spam
  block: messages
- name: no adverts
  match: ~bs advert
  block: messages
`

// pad makes a message long enough to compress well, so that with
// permessage-deflate the later messages refer back to it.
var pad = strings.Repeat(" the quick brown fox", 20)

// TestWebSocketMessageBreakpointsRulesAndInjection runs a real client and
// origin through the proxy, plain and MITM, with and without
// permessage-deflate (context takeover, every message compressed): a held
// client message holds only its own direction, edits, drops, rewrites,
// blocks and injections reach the peers as exactly those bytes, and the
// session records what was done.
func TestWebSocketMessageBreakpointsRulesAndInjection(t *testing.T) {
	for _, secure := range []bool{false, true} {
		for _, m := range wsModes {
			name := m.name
			if secure {
				name = "mitm-" + name
			}
			t.Run(name, func(t *testing.T) {
				origin := wsOrigin(t, secure)
				e := rulesEngine(t, intercept.Config{}, wsMessageRules)
				cfg := Config{Decider: e}
				if secure {
					cfg.RootCAs = poolOf(origin.Certificate())
				}
				tp := startProxy(t, cfg)
				p := dialWS(t, tp, origin, secure, m.mode)
				checkMessageActions(t, tp, e, p)
			})
		}
	}
}

func checkMessageActions(t *testing.T, tp *testProxy, e *intercept.Engine, p *wsPair) {
	text := websocket.MessageText
	// A message before any rule applies passes as it is.
	p.send(t, text, "hello"+pad)
	expect(t, "origin", p.toServer, text, "hello"+pad)

	// Held: the client's direction waits, the origin's keeps flowing, and
	// so do the client's pings.
	p.send(t, text, "hold 1"+pad)
	held := waitPausedMessages(t, e, 1)[0]
	if held.FlowID != p.flowID || held.Dir != session.Up || held.Opcode != session.OpText ||
		string(held.Data) != "hold 1"+pad || held.By != `rule "hold up"` || !held.Deadline.After(held.Since) {
		t.Fatalf("paused message: %+v", held)
	}
	p.reply(t, text, "news while held")
	expect(t, "client", p.toClient, text, "news while held")
	if err := p.client.Ping(p.ctx); err != nil {
		t.Fatalf("ping while a message is held: %v", err)
	}
	select {
	case got := <-p.toServer:
		t.Fatalf("the origin got %q while the message was held", trim(got.data))
	default:
	}
	if err := e.ForwardMessage(held.ID, []byte("edited 1")); err != nil {
		t.Fatal(err)
	}
	expect(t, "origin", p.toServer, text, "edited 1")
	if err := e.ForwardMessage(held.ID, nil); !errors.Is(err, intercept.ErrNotPaused) {
		t.Errorf("forward twice: %v", err)
	}

	// Dropped: the origin never gets it; the next one arrives.
	p.send(t, text, "hold 2"+pad)
	if err := e.DropMessage(waitPausedMessages(t, e, 1)[0].ID); err != nil {
		t.Fatal(err)
	}
	p.send(t, text, "after the drop"+pad)
	expect(t, "origin", p.toServer, text, "after the drop"+pad)

	// Held and forwarded unchanged, after the changes before it.
	p.send(t, text, "hold 3"+pad)
	if err := e.ForwardMessage(waitPausedMessages(t, e, 1)[0].ID, nil); err != nil {
		t.Fatal(err)
	}
	expect(t, "origin", p.toServer, text, "hold 3"+pad)

	// A fragmented message is held whole and edited.
	w, err := p.client.Writer(p.ctx, text)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"hold ", "frag", "mented" + pad} {
		if _, err := w.Write([]byte(part)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	frag := waitPausedMessages(t, e, 1)[0]
	if string(frag.Data) != "hold fragmented"+pad {
		t.Fatalf("fragmented message held as %q", trim(string(frag.Data)))
	}
	if err := e.ForwardMessage(frag.ID, []byte("one frame now")); err != nil {
		t.Fatal(err)
	}
	expect(t, "origin", p.toServer, text, "one frame now")

	// Rules, each direction.
	p.send(t, text, "my secret"+pad)
	expect(t, "origin", p.toServer, text, "my public"+pad)
	p.reply(t, text, "price=42"+pad)
	expect(t, "client", p.toClient, text, "price=0"+pad)
	p.send(t, text, "spam")
	p.send(t, text, "not spam... oh")
	p.send(t, text, "ok up"+pad)
	expect(t, "origin", p.toServer, text, "ok up"+pad)
	p.reply(t, text, "advert")
	p.reply(t, websocket.MessageBinary, "ok down")
	expect(t, "client", p.toClient, websocket.MessageBinary, "ok down")

	// Injected both ways: exactly those bytes.
	if err := tp.InjectMessage(p.flowID, session.Up, session.OpText, []byte("injected up")); err != nil {
		t.Fatal(err)
	}
	expect(t, "origin", p.toServer, text, "injected up")
	bin := string([]byte{0, 1, 2, 0xff})
	if err := tp.InjectMessage(p.flowID, session.Down, session.OpBinary, []byte(bin)); err != nil {
		t.Fatal(err)
	}
	expect(t, "client", p.toClient, websocket.MessageBinary, bin)
	// And the conversation goes on.
	p.send(t, text, "last"+pad)
	expect(t, "origin", p.toServer, text, "last"+pad)
	p.reply(t, text, "bye"+pad)
	expect(t, "client", p.toClient, text, "bye"+pad)

	if !tp.WebSocketOpen(p.flowID) || tp.WebSocketOpen("no such flow") {
		t.Error("WebSocketOpen is wrong while the connection is open")
	}
	if err := tp.InjectMessage("no such flow", session.Up, session.OpText, []byte("x")); !errors.Is(err, ErrNoWebSocket) ||
		!strings.HasSuffix(err.Error(), ": mitm: not an open WebSocket connection on this proxy") {
		t.Errorf("inject into an unknown flow: %v", err)
	}
	if err := tp.InjectMessage(p.flowID, session.Up, session.OpText, []byte("\xff")); err == nil {
		t.Error("injecting invalid UTF-8 as text: no error")
	}

	// The session says what happened.
	recorded := func(dir session.Direction, data, action, original string) {
		t.Helper()
		waitMessage(t, tp, p.flowID, action+" "+trim(data), func(m session.Message) bool {
			return m.Dir == dir && string(m.Data) == data && m.Action == action && string(m.Original) == original
		})
	}
	recorded(session.Up, "hello"+pad, "", "")
	recorded(session.Up, "edited 1", session.ActionEdited, "hold 1"+pad)
	recorded(session.Up, "hold 2"+pad, session.ActionDropped, "")
	recorded(session.Up, "hold 3"+pad, "", "")
	recorded(session.Up, "one frame now", session.ActionEdited, "hold fragmented"+pad)
	recorded(session.Up, "my public"+pad, `rewritten by rule "up rewrite"`, "my secret"+pad)
	recorded(session.Down, "price=0"+pad, `rewritten by rule "down rewrite"`, "price=42"+pad)
	recorded(session.Up, "spam", `dropped by rule "no spam"`, "")
	recorded(session.Down, "advert", `dropped by rule "no adverts"`, "")
	recorded(session.Up, "injected up", session.ActionInjected, "")
	recorded(session.Down, bin, session.ActionInjected, "")
	recorded(session.Up, "last"+pad, "", "")
	p.client.Close(websocket.StatusNormalClosure, "")
	tp.rec.wait(t, "closed WebSocket", func(f *session.Flow) bool {
		return f.ID == p.flowID && f.State == session.Done
	})
	if err := tp.InjectMessage(p.flowID, session.Down, session.OpText, []byte("late")); !errors.Is(err, ErrNoWebSocket) {
		t.Errorf("inject after the close: %v", err)
	}
}

// TestWebSocketMessageBreakpointTimeout checks that the intercept timeout
// forwards a held message unchanged, with a note.
func TestWebSocketMessageBreakpointTimeout(t *testing.T) {
	origin := wsOrigin(t, false)
	e := rulesEngine(t, intercept.Config{Timeout: 50e6}, wsMessageRules)
	tp := startProxy(t, Config{Decider: e})
	p := dialWS(t, tp, origin, false, websocket.CompressionContextTakeover)
	p.send(t, websocket.MessageText, "hold me"+pad)
	expect(t, "origin", p.toServer, websocket.MessageText, "hold me"+pad)
	m := waitMessage(t, tp, p.flowID, "released", func(m session.Message) bool { return m.Dir == session.Up })
	if m.Action != "" || !strings.Contains(m.Note, "intercept timeout") || string(m.Data) != "hold me"+pad {
		t.Errorf("recorded %+v", m)
	}
}

// TestWebSocketHeldMessageReleasedOnClose checks that a connection closing
// while a message is held releases it, dropped and noted, and the flow
// ends.
func TestWebSocketHeldMessageReleasedOnClose(t *testing.T) {
	for _, hard := range []bool{false, true} {
		origin := wsOrigin(t, false)
		e := intercept.New(intercept.Config{})
		tp := startProxy(t, Config{Decider: e})
		p := dialWS(t, tp, origin, false, websocket.CompressionDisabled)
		e.BreakMessages(p.flowID, true)
		if !e.BreakingMessages(p.flowID) {
			t.Fatal("BreakingMessages is off after BreakMessages on")
		}
		p.send(t, websocket.MessageBinary, "held")
		if by := waitPausedMessages(t, e, 1)[0].By; by != "the flow's message breakpoint" {
			t.Errorf("paused by %q", by)
		}
		if hard {
			p.client.CloseNow()
		} else {
			go p.client.Close(websocket.StatusGoingAway, "leaving")
		}
		waitPausedMessages(t, e, 0)
		m := waitMessage(t, tp, p.flowID, "dropped", func(m session.Message) bool { return m.Opcode == session.OpBinary })
		if m.Action != session.ActionDropped || !strings.Contains(m.Note, "connection closed") {
			t.Errorf("hard %v: recorded %+v", hard, m)
		}
		tp.rec.wait(t, "closed WebSocket", func(f *session.Flow) bool {
			return f.ID == p.flowID && (f.State == session.Done || f.State == session.Failed)
		})
		select {
		case got := <-p.toServer:
			t.Errorf("hard %v: the origin got %q", hard, got.data)
		default:
		}
		if e.BreakingMessages(p.flowID) {
			t.Errorf("hard %v: the closed connection's message breakpoint is still on", hard)
		}
	}
}

// TestWebSocketBreakMessagesMidConnection checks that turning a flow's
// message breakpoint on while its connection is open pauses the next
// message, both directions, and off lets messages flow again.
func TestWebSocketBreakMessagesMidConnection(t *testing.T) {
	origin := wsOrigin(t, false)
	e := intercept.New(intercept.Config{})
	tp := startProxy(t, Config{Decider: e})
	p := dialWS(t, tp, origin, false, websocket.CompressionContextTakeover)
	text := websocket.MessageText
	p.send(t, text, "free"+pad)
	expect(t, "origin", p.toServer, text, "free"+pad)
	e.BreakMessages(p.flowID, true)
	p.reply(t, text, "down held"+pad)
	held := waitPausedMessages(t, e, 1)[0]
	if held.Dir != session.Down {
		t.Fatalf("held %+v", held)
	}
	// A message injected meanwhile goes first: the held one is not on the
	// wire yet.
	if err := tp.InjectMessage(p.flowID, session.Down, session.OpText, []byte("injected while held")); err != nil {
		t.Fatal(err)
	}
	expect(t, "client", p.toClient, text, "injected while held")
	if err := e.ForwardMessage(held.ID, []byte("down edited")); err != nil {
		t.Fatal(err)
	}
	expect(t, "client", p.toClient, text, "down edited")
	e.BreakMessages(p.flowID, false)
	p.reply(t, text, "free again"+pad)
	expect(t, "client", p.toClient, text, "free again"+pad)
	p.send(t, text, "up free"+pad)
	expect(t, "origin", p.toServer, text, "up free"+pad)
}
