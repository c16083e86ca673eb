package breakpoint

import (
	"slices"
	"testing"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/style"
	"github.com/siphonproxy/siphon/ui/wsintercept"
)

// fakeMessages holds paused messages; forwarding one that is not held
// fails as the engine does.
type fakeMessages struct {
	paused   []wsintercept.PausedMessage
	done     []string
	breaking map[string]bool
}

func (e *fakeMessages) PausedMessages() []wsintercept.PausedMessage { return e.paused }
func (e *fakeMessages) ForwardMessage(id string, data []byte) error {
	e.done = append(e.done, "forward "+id)
	if id == "gone" {
		return intercept.ErrNotPaused
	}
	return nil
}
func (e *fakeMessages) DropMessage(id string) error {
	e.done = append(e.done, "drop "+id)
	return intercept.ErrNotPaused
}
func (e *fakeMessages) BreakMessages(id string, on bool) {
	if e.breaking == nil {
		e.breaking = map[string]bool{}
	}
	e.breaking[id] = on
}
func (e *fakeMessages) BreakingMessages(id string) bool { return e.breaking[id] }
func (e *fakeMessages) Changed() <-chan struct{}        { return nil }
func (e *fakeMessages) InjectMessage(string, session.Direction, session.Opcode, []byte) error {
	return nil
}

// The status bar counts paused messages; the hint bar offers the keys
// that fit the focused flow; A forwards every paused message; a message
// released meanwhile is said to be; the keys refuse what they cannot do.
func TestMessageKeysOnAFakeEngine(t *testing.T) {
	ws := &session.Flow{ID: "w", Seq: 5, Kind: session.WebSocket, State: session.Pending}
	other := &session.Flow{ID: "w2", Seq: 6, Kind: session.WebSocket, State: session.Pending}
	done := &session.Flow{ID: "w3", Seq: 7, Kind: session.WebSocket, State: session.Done}
	e := &fakeMessages{paused: []wsintercept.PausedMessage{
		{ID: "m1", FlowID: "w", Dir: session.Up, Opcode: session.OpText, Data: []byte("hi")},
		{ID: "gone", FlowID: "w", Dir: session.Down, Opcode: session.OpBinary, Data: []byte{1}}}}
	host := &fakeHost{}
	m := New(host, Config{Messages: e, Injector: e, Keys: keymap.Default(), Styles: style.NewStyles(style.DefaultTheme())})
	if m.EngineChanged() == nil {
		t.Fatal("no snapshot of the paused messages")
	}
	if s := m.Status(); s != "intercept: off · ⏸ 2 paused messages" {
		t.Errorf("status %q", s)
	}
	for f, want := range map[*session.Flow]keymap.Focus{ws: keymap.FocusPausedMessage, other: keymap.FocusWebSocket,
		done: keymap.FocusNone, {Seq: 1}: keymap.FocusNone} {
		if got := m.Hints(f); got != want {
			t.Errorf("flow #%d: focus %d, want %d", f.Seq, got, want)
		}
	}
	m.MessageKey(keymap.ActDrop, ws)                             // the oldest: m1, released meanwhile
	m.MessageKey(keymap.ActForward, other)                       // none paused
	m.MessageKey(keymap.ActInject, done)                         // closed
	m.MessageKey(keymap.ActBreakMessages, &session.Flow{Seq: 8}) // not a WebSocket
	m.Key(keymap.ActResumeAll, nil)
	want := []string{
		"the message ↑ text 2B of flow #5 is no longer paused (forwarded, timed out, or its connection closed)",
		"flow #6 has no paused message",
		"the connection of flow #7 is closed: nothing can be sent on it (r replays the conversation on a new one)",
		"flow #8 is not a WebSocket: only WebSocket messages can be paused or sent",
		"forwarded 1 paused message",
	}
	if !slices.Equal(host.said, want) {
		t.Errorf("said\n%q\nwant\n%q", host.said, want)
	}
	if want := []string{"drop m1", "forward m1", "forward gone"}; !slices.Equal(e.done, want) {
		t.Errorf("engine did %q, want %q", e.done, want)
	}
	// Without an engine the message keys say there is no proxy.
	none := New(host, Config{Keys: keymap.Default()})
	none.MessageKey(keymap.ActBreakMessages, ws)
	none.MessageKey(keymap.ActInject, ws)
	if got := host.said[len(host.said)-2:]; got[0] != keymap.NoProxy || got[1] != keymap.NoProxy || none.Hints(ws) != keymap.FocusNone {
		t.Errorf("without an engine: said %q", got)
	}
}

// B on a closed WebSocket says the connection is closed, even while the
// engine still has the flow's switch on (it was on when the connection
// closed), and turns the switch off.
func TestBreakMessagesOnClosedFlow(t *testing.T) {
	done := &session.Flow{ID: "w", Seq: 7, Kind: session.WebSocket, State: session.Done}
	e := &fakeMessages{breaking: map[string]bool{"w": true}}
	host := &fakeHost{}
	m := New(host, Config{Messages: e, Injector: e, Keys: keymap.Default(), Styles: style.NewStyles(style.DefaultTheme())})
	m.MessageKey(keymap.ActBreakMessages, done)
	m.MessageKey(keymap.ActBreakMessages, done)
	want := "the connection of flow #7 is closed: no message passes on it to pause"
	if !slices.Equal(host.said, []string{want, want}) || e.breaking["w"] {
		t.Errorf("said %q, breaking %v; want %q twice, off", host.said, e.breaking["w"], want)
	}
}

// Emptying the editor of a new message sends nothing and says so.
func TestInjectEmptiedSaysNothingSent(t *testing.T) {
	ws := &session.Flow{ID: "w", Seq: 5, Kind: session.WebSocket, State: session.Pending}
	e := &fakeMessages{}
	host := &fakeHost{}
	m := New(host, Config{Messages: e, Injector: e, Keys: keymap.Default(), Styles: style.NewStyles(style.DefaultTheme())})
	m.read(readMsg{job: m.injectEdit(ws, session.Up, session.OpText)})
	if want := []string{"the file was emptied: nothing was sent"}; !slices.Equal(host.said, want) {
		t.Errorf("said %q, want %q", host.said, want)
	}
}
