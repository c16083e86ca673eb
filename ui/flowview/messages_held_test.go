package flowview

import (
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/wsintercept"
)

// Messages held at a breakpoint are listed after the stored ones, each
// with what paused it and the time left; the selection tells the keys
// which one to act on; the title says while every message pauses; the
// time left is redrawn while any is held, for whichever flow is open.
func TestHeldMessages(t *testing.T) {
	src := &fakeMessages{}
	src.add(msgAt(12, session.Up, session.OpText, "hello"))
	v := openMessages(t, wsFlow(session.Pending), src, 100, 30)
	now := base.Add(time.Minute)
	v.SetClock(func() time.Time { return now })
	breaking := true
	v.Update(wsintercept.PausedMsg{Messages: []wsintercept.PausedMessage{
		{ID: "p1", FlowID: "ws", Dir: session.Down, Opcode: session.OpText, Data: []byte("news"),
			Since: base.Add(2 * time.Second), Deadline: now.Add(90 * time.Second), By: `rule "hold news"`},
		{ID: "x", FlowID: "other", Dir: session.Up, Opcode: session.OpText, Data: []byte("elsewhere")},
		{ID: "p2", FlowID: "ws", Dir: session.Up, Opcode: session.OpBinary, Data: []byte{0x00, 0xff},
			Since: base.Add(3 * time.Second), Deadline: now.Add(-time.Second), By: "the flow's message breakpoint"},
	}, Breaking: func(id string) bool { return breaking && id == "ws" }})
	s := screen(v)
	for _, want := range []string{"#7 ⏸ pausing messages (B stops) GET http://chat.test/socket",
		"message 3 of 3 · 2 paused · connection open · follow: on (F)",
		" ↓      ⏸    +2.00s       4B text         news",
		"▸↑      ⏸    +3.00s       2B binary       00 ff",
		"─ ⏸ paused ↑ binary 2B at +3.00s ───", "by the flow's message breakpoint · forwarded unchanged now",
		"a forwards · e edits · X drops", "00 ff"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "elsewhere") {
		t.Errorf("another flow's message is listed:\n%s", s)
	}
	if got := v.PausedSelection("ws"); got != "p2" {
		t.Errorf("selected %q, want p2", got)
	}
	key(t, v, keymap.ActPrevMessage)
	if s := screen(v); v.PausedSelection("ws") != "p1" || !strings.Contains(s, `by rule "hold news" · forwarded unchanged in 1m30s`) {
		t.Errorf("after k: selected %q\n%s", v.PausedSelection("ws"), s)
	}
	key(t, v, keymap.ActPrevMessage)
	if got := v.PausedSelection("ws"); got != "" || v.PausedSelection("other") != "" {
		t.Errorf("a stored message selected: %q", got)
	}

	// The tick of a flow no longer open still re-arms for the open one.
	if v.Update(heldTickMsg{id: "closed-flow"}) == nil {
		t.Error("the held messages' time left stopped being redrawn")
	}
	breaking = false
	v.Update(wsintercept.PausedMsg{Breaking: func(string) bool { return breaking }})
	if s := screen(v); strings.Contains(s, "⏸") || !strings.Contains(s, "message 1 of 1 · connection open") {
		t.Errorf("after release:\n%s", s)
	}
	if v.Update(heldTickMsg{id: "ws"}) != nil {
		t.Error("ticking on without held messages")
	}
}

// A closed connection's title does not claim its messages pause, even
// while the engine still has the flow's switch on.
func TestClosedFlowNotPausing(t *testing.T) {
	v := openMessages(t, wsFlow(session.Done), &fakeMessages{}, 100, 30)
	v.Update(wsintercept.PausedMsg{Breaking: func(id string) bool { return id == "ws" }})
	if s := screen(v); strings.Contains(s, "pausing messages") {
		t.Errorf("a closed flow's title says its messages pause:\n%s", s)
	}
}
