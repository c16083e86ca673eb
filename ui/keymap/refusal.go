package keymap

import "fmt"

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

// Refusal is what the status bar says when b is pressed but cannot act,
// or "" when it can. A read-only session (siphon --readonly) writes
// nothing, so changes are refused rather than made in memory and lost;
// and it has no proxy to replay through.
func Refusal(b Binding, readOnly bool) string {
	if !readOnly || (b.Scope != ScopeList && b.Scope != ScopeFlow) {
		return ""
	}
	if what := readOnlyChange(b.Action); what != "" {
		return "read-only session: " + what + " (restart without --readonly)"
	}
	if b.Action == ActReplay || b.Action == ActReplayAll || b.Action == ActPassthrough {
		return NoProxy
	}
	return ""
}

// Unavailable is what the status bar says when b is pressed but cannot
// act: its feature is planned but not here yet, or Refusal refuses it; ""
// when it can act.
func Unavailable(b Binding, readOnly bool) string {
	if b.Planned != "" {
		return fmt.Sprintf("%s: not available yet (%s)", b.Key.Help().Desc, b.Planned)
	}
	return Refusal(b, readOnly)
}

// HelpNote is what the help screen adds to b when it cannot act: in a
// read-only session, nothing changes the session and nothing needs a
// proxy.
func HelpNote(b Binding, readOnly bool) string {
	switch {
	case !readOnly:
		return ""
	case b.Scope == ScopeIntercept, b.Scope == ScopeMessageBreak, b.Scope == ScopeRules, b.Action == ActRules,
		b.Action == ActReplay, b.Action == ActReplayAll, b.Action == ActConnect, b.Action == ActPassthrough:
		return "needs the proxy: not in a read-only session"
	case Refusal(b, readOnly) != "":
		return "not in a read-only session"
	}
	return ""
}

// Focus is what the focused flow offers the hint bar besides its page's
// keys.
type Focus uint8

// What a focused flow can be.
const (
	FocusNone          Focus = iota
	FocusPausedFlow          // paused at a breakpoint: resume, kill, edit, answer
	FocusWebSocket           // an open WebSocket: pause its messages, send one
	FocusPausedMessage       // an open WebSocket with a message paused: forward, edit, drop
)

// Hints are the bindings the hint bar shows for scope: help first, then
// what can be done with the focused flow (a paused flow, an open
// WebSocket, a paused message), then the scope's keys but the obvious ones
// and those Refusal refuses (in a read-only session).
func (km Map) Hints(scope Scope, focus Focus, readOnly bool) []Binding {
	bs := []Binding{}
	for _, b := range km.InScope(ScopeGlobal) {
		if b.Action == ActHelp {
			bs = append(bs, b)
		}
	}
	switch focus {
	case FocusPausedFlow:
		for _, b := range km.InScope(ScopeIntercept) {
			if b.Action != ActIntercept && b.Action != ActInterceptToggle {
				bs = append(bs, b)
			}
		}
	case FocusPausedMessage:
		bs = append(bs, km.InScope(ScopeMessageBreak)...)
	case FocusWebSocket:
		for _, b := range km.InScope(ScopeMessageBreak) {
			if b.Action == ActBreakMessages || b.Action == ActInject {
				bs = append(bs, b)
			}
		}
	}
	for _, b := range km.InScope(scope) {
		switch b.Action {
		case ActUp, ActDown, ActPageUp, ActPageDown, ActTop, ActBottom, ActPrevTab, ActPrevMatch:
			continue // obvious, or paired with one shown
		}
		if b.Planned == "" && Refusal(b, readOnly) == "" {
			bs = append(bs, b)
		}
	}
	return bs
}
