package ui

// readOnlyChange is what a read-only session refuses to do for action a
// on the flow list and the flow view, as its status message says it ("marks
// are not saved"), or "" when a changes nothing.
func readOnlyChange(a Action) string {
	switch a {
	case ActMark:
		return "marks are not saved"
	case ActComment:
		return "comments are not saved"
	case ActDelete:
		return "flows are not deleted"
	case ActClear:
		return "the session is not cleared"
	}
	return ""
}

// refusal is what the status bar says when b is pressed but cannot act in
// this UI, or "" when it can. A read-only session (siphon --readonly)
// writes nothing, so changes are refused rather than made in memory and
// lost; and it has no proxy to replay through.
func (m *Model) refusal(b Binding) string {
	if !m.opts.readOnly || (b.Scope != ScopeList && b.Scope != ScopeFlow) {
		return ""
	}
	if what := readOnlyChange(b.Action); what != "" {
		return "read-only session: " + what + " (restart without --readonly)"
	}
	if b.Action == ActReplay || b.Action == ActReplayAll {
		return noProxy
	}
	return ""
}

// helpNote is what the help screen adds to b when it cannot act in this
// UI: in a read-only session, nothing changes the session and nothing
// needs a proxy.
func (m *Model) helpNote(b Binding) string {
	switch {
	case !m.opts.readOnly:
		return ""
	case b.Scope == ScopeIntercept, b.Scope == ScopeRules, b.Action == ActRules,
		b.Action == ActReplay, b.Action == ActReplayAll:
		return "needs the proxy: not in a read-only session"
	case m.refusal(b) != "":
		return "not in a read-only session"
	}
	return ""
}
