package flowview

import (
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// What siphon did to each message is on its row, and the selected
// message says it in words; an edited or rewritten one shows the payload
// its peer sent under the one sent on.
func TestMessagesShowAction(t *testing.T) {
	src := &fakeMessages{}
	edited := msgAt(10, session.Up, session.OpText, `{"n":2}`)
	edited.Action, edited.Original = session.ActionEdited, []byte(`{"n":1}`)
	dropped := msgAt(20, session.Up, session.OpText, "bye")
	dropped.Action = session.ActionDropped
	injected := msgAt(30, session.Down, session.OpText, "from siphon")
	injected.Action = session.ActionInjected
	blocked := msgAt(40, session.Up, session.OpText, "telemetry")
	blocked.Action = session.RuleAction("dropped", "no telemetry")
	rewritten := msgAt(50, session.Down, session.OpText, `{"gold":999}`)
	rewritten.Action, rewritten.Original = session.RuleAction("rewritten", "fake balance"), []byte(`{"gold":3}`)
	src.add(edited, dropped, injected, blocked, rewritten)
	v := openMessages(t, wsFlow(session.Done), src, 100, 40)
	s := screen(v)
	for _, want := range []string{"✎ edited {\"n\":2}", "✗ dropped bye", "+ injected from siphon",
		"✗ blocked telemetry", "↺ rewritten {\"gold\":999}",
		`↺ rewritten by rule "fake balance": its peer got the payload below; the original follows it`,
		`  "gold": 999`, "original payload, as the peer sent it:", `  "gold": 3`} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	key(t, v, keymap.ActPrevMessage)
	if s := screen(v); !strings.Contains(s, `✗ dropped by rule "no telemetry": its peer never got it`) {
		t.Errorf("the blocked message does not say so:\n%s", s)
	}
	for range 3 {
		key(t, v, keymap.ActPrevMessage)
	}
	if s := screen(v); !strings.Contains(s, "✎ edited at a breakpoint: its peer got the payload below") ||
		!strings.Contains(s, `  "n": 2`) || !strings.Contains(s, `  "n": 1`) {
		t.Errorf("the edited message does not show its edit and original:\n%s", s)
	}
}

// ⚠ marks what a peer got wrong; siphon's own notes (an intercept
// timeout, a connection that closed while the message was held) have
// their own mark and wording.
func TestMessagesNoteKinds(t *testing.T) {
	src := &fakeMessages{}
	timedOut := msgAt(10, session.Up, session.OpText, "late")
	timedOut.Note = "forwarded unchanged after the 5m0s intercept timeout"
	both := msgAt(20, session.Up, session.OpText, "caf\xe9")
	both.Note = "text message is not valid UTF-8; the connection closed while the message was held"
	both.Action = session.ActionDropped
	skipped := msgAt(5, session.Down, session.OpText, "big")
	skipped.Note = "not rewritten: larger than the capture limit"
	src.add(skipped, timedOut, both)
	v := openMessages(t, wsFlow(session.Done), src, 100, 30)
	s := screen(v)
	for _, want := range []string{"ⓘ late", "✗ dropped ⚠ ⓘ caf", "ⓘ big",
		"⚠ note: text message is not valid UTF-8", "ⓘ siphon: the connection closed while the message was held"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "⚠ late") || strings.Contains(s, "note: text message is not valid UTF-8; the connection") {
		t.Errorf("siphon's note is marked as a protocol problem:\n%s", s)
	}
}
