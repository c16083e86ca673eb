package ui

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/flowview"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// clock is the fixed now of the flow view in these tests, so that the
// time left of a paused message is drawn the same on every run.
var clock = base.Add(10 * time.Second)

// startClocked runs the whole UI as start does, with the flow view's
// clock fixed at clock.
func startClocked(t *testing.T, store *session.Store, w, h int, opts ...Option) *teatest.TestModel {
	t.Helper()
	opts = append([]Option{WithLocation(time.UTC), WithListen("127.0.0.1:8080")}, opts...)
	m := New(store, opts...)
	m.flow.SetClock(func() time.Time { return clock })
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	t.Cleanup(func() { tm.Quit() })
	return tm
}

// openMessagesTab opens the WebSocket flow under the list's cursor on its
// Messages tab, and waits for want there.
func openMessagesTab(t *testing.T, tm *teatest.TestModel, want ...string) {
	t.Helper()
	press(tm, keymap.ScopeList, keymap.ActOpen)
	waitScreen(t, tm, "Upgrade: websocket")
	for range flowview.TabMessages {
		press(tm, keymap.ScopeFlow, keymap.ActNextTab)
	}
	waitScreen(t, tm, append([]string{"[Messages]"}, want...)...)
}

// editorScript writes a shell script to run as $EDITOR.
func editorScript(t *testing.T, script string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "editor.sh")
	must(t, os.WriteFile(path, []byte(script), 0o644))
	return "sh " + path
}

// A message paused while the Messages tab is shown appears at once after
// the stored ones, marked, with what paused it and the time left before
// the intercept timeout forwards it; the hint bar offers its keys (the
// status bar's count is cut at 80 columns: TestPausedMessageKeys sees it).
func TestPausedMessageInMessagesTab(t *testing.T) {
	store, ws, _ := streamStore(t)
	must(t, store.AddMessage(ws.ID, wsMessage(15, session.Up, session.OpText, `{"op":"subscribe","symbol":"SPHN"}`)))
	must(t, store.AddMessage(ws.ID, wsMessage(48, session.Down, session.OpText, `{"op":"subscribed"}`)))
	e := newFakeMessages()
	tm := startClocked(t, store, 80, 24, WithMessageEngine(e), WithInjector(&fakeInjector{}))
	waitScreen(t, tm, "/socket")
	openMessagesTab(t, tm, "message 2 of 2 · connection open")
	e.pause(ws.ID, session.Down, session.OpText, `{"op":"price","symbol":"SPHN","v":42}`,
		base.Add(1250*time.Millisecond), clock.Add(4*time.Minute+32*time.Second), `rule "hold prices"`)
	waitScreen(t, tm, "message 3 of 3 · 1 paused", "⏸ paused ↓ text 37B at +1.25s",
		`by rule "hold prices" · forwarded unchanged in 4m32s`, `"symbol": "SPHN"`, "a forward")
	m := finish(t, tm)
	if st := m.State(); st.Page != "flow" || st.Tab != flowview.TabMessages || m.bp.PausedMessages() != 1 {
		t.Errorf("state: page %s, tab %d, %d paused messages", st.Page, st.Tab, m.bp.PausedMessages())
	}
	golden.RequireEqual(t, []byte(m.View()))
}

// a, e and X forward, edit (in $EDITOR) and drop a paused message: on the
// list the oldest of the flow's, in the Messages tab the one selected.
// The engine gets each pause's id and exactly the edited bytes: a text
// payload as text, a binary one as hex digits.
func TestPausedMessageKeys(t *testing.T) {
	store, ws, _ := streamStore(t)
	e := newFakeMessages()
	editor := editorScript(t, `sed -i -e 's/^00 01 ff$/00 02/' -e 's/^hello$/hello, edited/' "$1"`+"\n")
	// Wide enough for the paused count beside the longest message.
	tm := startClocked(t, store, 180, 30, WithMessageEngine(e), WithEditor(editor))
	waitScreen(t, tm, "/socket")
	since, deadline := base.Add(time.Second), clock.Add(time.Minute)
	e.pause(ws.ID, session.Up, session.OpText, "hello", since, deadline, "the flow's message breakpoint")
	e.pause(ws.ID, session.Down, session.OpBinary, "\x00\x01\xff", since, deadline, "the flow's message breakpoint")
	// The list marks the flow as paused and offers the message keys.
	waitScreen(t, tm, "›⏸  1 09:26:53 GET", "⏸ 2 paused messages", "a forward", "X drop")

	press(tm, keymap.ScopeMessageBreak, keymap.ActDrop)
	waitScreen(t, tm, "dropped the message ↑ text 5B of flow #1: its peer never gets it", "⏸ 1 paused message")
	press(tm, keymap.ScopeMessageBreak, keymap.ActEdit)
	waitScreen(t, tm, "forwarded the edited message ↓ binary 3B of flow #1")
	e.pause(ws.ID, session.Up, session.OpText, "hello", since, deadline, "the flow's message breakpoint")
	waitScreen(t, tm, "⏸ 1 paused message")
	press(tm, keymap.ScopeMessageBreak, keymap.ActEdit)
	waitScreen(t, tm, "forwarded the edited message ↑ text 5B of flow #1")

	// In the Messages tab the keys act on the selected message: following,
	// the newest.
	e.pause(ws.ID, session.Up, session.OpText, "first", since, deadline, "the flow's message breakpoint")
	e.pause(ws.ID, session.Down, session.OpText, "second", since, deadline, "the flow's message breakpoint")
	openMessagesTab(t, tm, "message 2 of 2 · 2 paused", "second")
	press(tm, keymap.ScopeMessageBreak, keymap.ActForward)
	waitScreen(t, tm, "forwarded the message ↓ text 6B of flow #1", "message 1 of 1 · 1 paused")
	press(tm, keymap.ScopeMessageBreak, keymap.ActForward)
	waitScreen(t, tm, "forwarded the message ↑ text 5B of flow #1", "no messages yet")
	m := finish(t, tm)

	want := []string{"drop pm1", "forward pm2 0002", "forward pm3 68656c6c6f2c20656469746564",
		"forward pm5 unchanged", "forward pm4 unchanged"}
	if got := e.called(); !slices.Equal(got, want) {
		t.Errorf("the engine was called\n%q\nwant\n%q", got, want)
	}
	if n := m.bp.PausedMessages(); n != 0 {
		t.Errorf("%d paused messages left", n)
	}
}

// B turns pausing all of a WebSocket's messages on and off; the flow
// view's title says while it is on. It refuses other flows.
func TestBreakMessagesKey(t *testing.T) {
	store, ws, _ := streamStore(t)
	e := newFakeMessages()
	tm := startClocked(t, store, 100, 24, WithMessageEngine(e))
	waitScreen(t, tm, "/socket")
	openMessagesTab(t, tm, "no messages yet")
	press(tm, keymap.ScopeMessageBreak, keymap.ActBreakMessages)
	waitScreen(t, tm, "#1 ⏸ pausing messages (B stops) GET", "pausing every message of flow #1, both directions")
	e.pause(ws.ID, session.Up, session.OpText, "held", base, clock.Add(time.Minute), "the flow's message breakpoint")
	waitScreen(t, tm, "message 1 of 1 · 1 paused")
	press(tm, keymap.ScopeMessageBreak, keymap.ActBreakMessages)
	waitScreen(t, tm, "the messages of flow #1 pass again; 1 paused message still waits for a, e or X")
	press(tm, keymap.ScopeFlow, keymap.ActBack)
	press(tm, keymap.ScopeList, keymap.ActDown) // the event stream
	press(tm, keymap.ScopeMessageBreak, keymap.ActBreakMessages)
	waitScreen(t, tm, "flow #2 is not a WebSocket")
	finish(t, tm)
	if got, want := e.called(), []string{"break ws-chat true", "break ws-chat false"}; !slices.Equal(got, want) {
		t.Errorf("the engine was called %q, want %q", got, want)
	}
}

// s sends a message of the user's own on an open WebSocket: to the
// server or the client, as text or binary (hex digits), typed on one line
// or written in $EDITOR; the proxy gets exactly those bytes, and its
// refusal is shown with what to do.
func TestInjectMessage(t *testing.T) {
	store, ws, _ := streamStore(t)
	inj := &fakeInjector{sent: make(chan injected, 1)}
	editor := editorScript(t, `printf 'line one\nline two\n' >> "$1"`+"\n")
	tm := startClocked(t, store, 140, 24, WithMessageEngine(newFakeMessages()), WithInjector(inj), WithEditor(editor))
	waitScreen(t, tm, "/socket", "B pause messages on/off", "s send a message")

	for _, c := range []struct {
		dir, op, payload string // as typed
		want             injected
		done             string
	}{
		{"", "", `{"op":"say","text":"injected"}`, injected{ws.ID, session.Up, session.OpText, []byte(`{"op":"say","text":"injected"}`)},
			"sent a 30B text message to the server on flow #1"},
		{"c", "b", "00 ff 10", injected{ws.ID, session.Down, session.OpBinary, []byte{0, 0xff, 0x10}},
			"sent a 3B binary message to the client on flow #1"},
		{"c", "", "", injected{ws.ID, session.Down, session.OpText, []byte("line one\nline two")},
			"sent a 17B text message to the client on flow #1"},
	} {
		press(tm, keymap.ScopeMessageBreak, keymap.ActInject)
		waitScreen(t, tm, "send on flow #1 to: s/enter the server · c the client")
		choose(tm, c.dir)
		waitScreen(t, tm, "send it as: t/enter text · b binary")
		choose(tm, c.op)
		typeText(tm, c.payload)
		got := testutil.Receive(t, inj.sent, "injected message")
		if got.flowID != c.want.flowID || got.dir != c.want.dir || got.op != c.want.op || !bytes.Equal(got.data, c.want.data) {
			t.Errorf("injected %+v, want %+v", got, c.want)
		}
		waitScreen(t, tm, c.done)
	}

	// Words pasted without bracketed paste arrive as bursts of runes
	// between spaces; up, left, esc and enter among them are text.
	press(tm, keymap.ScopeMessageBreak, keymap.ActInject)
	choose(tm, "")
	choose(tm, "")
	waitScreen(t, tm, "text to the server")
	for i, w := range []string{"move", "up", "then", "left", "esc", "enter"} {
		if i > 0 {
			tm.Send(tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
		}
		tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(w)})
	}
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	if got := testutil.Receive(t, inj.sent, "injected message"); string(got.data) != "move up then left esc enter" {
		t.Errorf("pasted words sent as %q", got.data)
	}

	// Hex digits are checked as they are typed; c and b typed in one
	// burst answer both questions.
	press(tm, keymap.ScopeMessageBreak, keymap.ActInject)
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("cb")})
	waitScreen(t, tm, "hex digits to the client")
	tm.Type("0g")
	waitScreen(t, tm, "want hex digits, two a byte: 00 ff 10")
	press(tm, keymap.ScopeInput, keymap.ActCancel)

	// The proxy's refusal is shown; nothing is said to have been sent.
	inj.err = errors.New("the connection is closing")
	press(tm, keymap.ScopeMessageBreak, keymap.ActInject)
	choose(tm, "")
	choose(tm, "")
	typeText(tm, "hi")
	testutil.Receive(t, inj.sent, "injected message")
	waitScreen(t, tm, "could not send a 2B text message to the server on flow #1: the connection is closing. Nothing was sent")
	finish(t, tm)
	select {
	case extra := <-inj.sent:
		t.Errorf("sent more than asked: %+v", extra)
	default:
	}
}

// choose answers a one-key question: the key, or enter for "".
func choose(tm *teatest.TestModel, k string) {
	if k == "" {
		tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
		return
	}
	tm.Type(k)
}
