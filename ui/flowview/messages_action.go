package flowview

import (
	"strings"

	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/style"
)

// What a message's row marks: ⚠ a protocol problem the peer caused (a bad
// close payload, invalid UTF-8, broken compression), ⓘ a note of siphon's
// own about what it did (an intercept timeout, a connection closed while
// the message was held), and its Action as a word.
const (
	markProblem = "⚠"
	markSiphon  = "ⓘ"
)

// actionMark is a message's Action as its row shows it: a sign and a
// word; "" for a message relayed as it came.
func actionMark(action string) string {
	sign, word := actionSign(action)
	if sign == "" {
		return ""
	}
	return sign + " " + word
}

// actionSign is the sign and the short word of an Action.
func actionSign(action string) (sign, word string) {
	switch {
	case action == "":
		return "", ""
	case action == session.ActionEdited:
		return "✎", "edited"
	case action == session.ActionDropped:
		return "✗", "dropped"
	case action == session.ActionInjected:
		return "+", "injected"
	case strings.HasPrefix(action, "dropped by rule"):
		return "✗", "blocked"
	case strings.HasPrefix(action, "rewritten by rule"):
		return "↺", "rewritten"
	}
	return "✎", style.Printable(action)
}

// actionWords says in words what siphon did to a message, for the line
// over its payload; "" for a message relayed as it came.
func actionWords(m *session.Message) string {
	sign, _ := actionSign(m.Action)
	a := style.Printable(m.Action)
	switch {
	case m.Action == "":
		return ""
	case m.Action == session.ActionEdited:
		a = "edited at a breakpoint"
	case m.Action == session.ActionDropped:
		a = "dropped at a breakpoint"
	case m.Action == session.ActionInjected:
		return sign + " injected: sent by siphon, not by a peer"
	}
	switch {
	case strings.HasPrefix(m.Action, "dropped"):
		return sign + " " + a + ": its peer never got it"
	case m.Original != nil:
		return sign + " " + a + ": its peer got the payload below; the original follows it"
	}
	return sign + " " + a
}

// siphonNotes are the starts of the notes siphon adds about what it did
// or did not do (package intercept and the relay in wsmsg: "forwarded
// unchanged after the … intercept timeout", "not held: …", "not
// delivered: …", "rewrite "x": not applied …"; the session writer), as
// against those about what a peer sent, which the capture adds (a bad
// frame, a bad close payload, invalid UTF-8, broken compression). Notes
// are joined with "; ".
var siphonNotes = []string{
	"forwarded unchanged", "the connection closed", "not ", "rewrite ", "payload not kept",
}

// splitNote parts a message's note into the protocol problems and
// siphon's own notes, each joined again with "; ".
func splitNote(note string) (problems, own string) {
	if note == "" {
		return "", ""
	}
	var p, o []string
	for _, part := range strings.Split(note, "; ") {
		if isSiphonNote(part) {
			o = append(o, part)
		} else {
			p = append(p, part)
		}
	}
	return strings.Join(p, "; "), strings.Join(o, "; ")
}

func isSiphonNote(part string) bool {
	for _, s := range siphonNotes {
		if strings.HasPrefix(part, s) {
			return true
		}
	}
	return false
}

// rowMarks are the marks before a row's preview: the action, the kinds
// of note, a cut payload.
func rowMarks(m *session.Message) string {
	var marks string
	if a := actionMark(m.Action); a != "" {
		marks += a + " "
	}
	problems, own := splitNote(m.Note)
	if problems != "" {
		marks += markProblem + " "
	}
	if own != "" {
		marks += markSiphon + " "
	}
	if m.Truncated {
		marks += "✂ "
	}
	return marks
}
