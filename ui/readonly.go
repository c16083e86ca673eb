package ui

import "github.com/siphonproxy/siphon/ui/keymap"

// readOnlyChange is what a read-only session refuses to do for action a
// on the flow list and the flow view, as its status message says it ("marks
// are not saved"), or "" when a changes nothing.
func readOnlyChange(a keymap.Action) string {
	switch a {
	case keymap.ActMark:
		return "marks are not saved"
	case keymap.ActComment:
		return "comments are not saved"
	case keymap.ActDelete:
		return "flows are not deleted"
	case keymap.ActClear:
		return "the session is not cleared"
	}
	return ""
}

// refusal is what the status bar says when b is pressed but cannot act in
// this UI, or "" when it can. A read-only session (siphon --readonly)
// writes nothing, so changes are refused rather than made in memory and
// lost; and it has no proxy to replay through.
func (m *Model) refusal(b keymap.Binding) string {
	if !m.opts.readOnly || (b.Scope != keymap.ScopeList && b.Scope != keymap.ScopeFlow) {
		return ""
	}
	if what := readOnlyChange(b.Action); what != "" {
		return "read-only session: " + what + " (restart without --readonly)"
	}
	if b.Action == keymap.ActReplay || b.Action == keymap.ActReplayAll {
		return keymap.NoProxy
	}
	return ""
}

// helpNote is what the help screen adds to b when it cannot act in this
// UI: in a read-only session, nothing changes the session and nothing
// needs a proxy.
func (m *Model) helpNote(b keymap.Binding) string {
	switch {
	case !m.opts.readOnly:
		return ""
	case b.Scope == keymap.ScopeIntercept, b.Scope == keymap.ScopeRules, b.Action == keymap.ActRules,
		b.Action == keymap.ActReplay, b.Action == keymap.ActReplayAll:
		return "needs the proxy: not in a read-only session"
	case m.refusal(b) != "":
		return "not in a read-only session"
	}
	return ""
}
