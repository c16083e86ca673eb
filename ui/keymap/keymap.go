// Package keymap is the table of the UI's key bindings: named actions bound
// to keys within a scope. One table drives key handling, the help screen,
// the hint bar and the tests.
package keymap

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// Action names something the user can do; key bindings map to actions, so
// that handling, the help screen, the hint bar and the tests share one
// table.
type Action string

// Actions of every screen.
const (
	ActQuitNow Action = "quit-now"
	ActHelp    Action = "help"
	ActEvents  Action = "events"

	ActUp       Action = "up"
	ActDown     Action = "down"
	ActPageUp   Action = "page-up"
	ActPageDown Action = "page-down"
	ActTop      Action = "top"
	ActBottom   Action = "bottom"
	ActBack     Action = "back"

	ActOpen       Action = "open"
	ActFilter     Action = "filter"
	ActSort       Action = "sort"
	ActReverse    Action = "reverse"
	ActFollow     Action = "follow"
	ActMark       Action = "mark"
	ActMarkedOnly Action = "marked-only"
	ActDelete     Action = "delete"
	ActClear      Action = "clear"
	ActComment    Action = "comment"
	ActQuit       Action = "quit"

	ActNextTab   Action = "next-tab"
	ActPrevTab   Action = "prev-tab"
	ActViewMode  Action = "view-mode"
	ActSearch    Action = "search"
	ActNextMatch Action = "next-match"
	ActPrevMatch Action = "prev-match"

	ActOriginal Action = "original"

	ActNextMessage Action = "next-message"
	ActPrevMessage Action = "prev-message"

	ActIntercept       Action = "intercept"
	ActInterceptToggle Action = "intercept-toggle"
	ActResume          Action = "resume"
	ActResumeAll       Action = "resume-all"
	ActKill            Action = "kill"
	ActEdit            Action = "edit"
	ActAnswer          Action = "answer"

	ActForward       Action = "forward"
	ActDrop          Action = "drop"
	ActBreakMessages Action = "break-messages"
	ActInject        Action = "inject"

	ActRules     Action = "rules"
	ActToggle    Action = "toggle"
	ActNewRule   Action = "new-rule"
	ActSaveRules Action = "save-rules"

	ActReplay    Action = "replay"
	ActReplayAll Action = "replay-all"
	ActExport    Action = "export"
	ActCopyCurl  Action = "copy-curl"
	ActWrite     Action = "write"

	ActConnect     Action = "connect"
	ActPassthrough Action = "passthrough"
	ActPassList    Action = "passthrough-list"
	ActNextAddr    Action = "next-address"

	ActConfirm Action = "confirm"
	ActCancel  Action = "cancel"
)

// Scope is where a binding applies. Global bindings apply everywhere except
// while text is being typed.
type Scope string

// Scopes, in the order the help screen lists them.
const (
	ScopeGlobal    Scope = "everywhere"
	ScopeList      Scope = "flow list"
	ScopeFlow      Scope = "flow view"
	ScopeMessages  Scope = "messages (WebSocket tab of the flow view)"
	ScopeIntercept Scope = "intercept (flow list and flow view)"
	ScopePager     Scope = "scrolling (flow view, help, events)"
	ScopeRules     Scope = "rules view"
	ScopeConnect   Scope = "connect a device"
	ScopeMenu      Scope = "export menu"
	ScopePrompt    Scope = "questions"
	ScopeInput     Scope = "inputs (filter, search, comment, paths)"
)

// ScopeMessageBreak is tried before ScopeIntercept: on a WebSocket with
// a paused message its keys act on the message.
const ScopeMessageBreak Scope = "WebSocket intercept (flow list and flow view; a, e, X act on a paused message)"

var scopeOrder = []Scope{ScopeGlobal, ScopeList, ScopeFlow, ScopeMessages, ScopeIntercept, ScopeMessageBreak, ScopePager, ScopeRules, ScopeConnect, ScopeMenu, ScopePrompt, ScopeInput}

// Binding ties keys to an action within a scope.
type Binding struct {
	Action Action
	Scope  Scope
	Key    key.Binding
	// Planned, when set, names the issue that will implement the action:
	// the key is reserved and says so when pressed.
	Planned string
}

// Map is the table of bindings. The first binding in a scope that
// matches a key wins.
type Map struct {
	Bindings []Binding
}

func bind(scope Scope, a Action, help string, keys ...string) Binding {
	return Binding{Action: a, Scope: scope, Key: key.NewBinding(key.WithKeys(keys...), key.WithHelp(keys[0], help))}
}

// Default returns siphon's bindings, which follow the mitmproxy
// console where it has one.
func Default() Map {
	return Map{Bindings: []Binding{
		bind(ScopeGlobal, ActQuitNow, "quit now", "Q", "ctrl+c"),
		bind(ScopeGlobal, ActHelp, "help", "?"),
		bind(ScopeGlobal, ActEvents, "event log", "E"),
		bind(ScopeGlobal, ActRules, "rules", "R"),
		bind(ScopeGlobal, ActConnect, "connect a device", "C"),

		bind(ScopeList, ActUp, "up", "k", "up"),
		bind(ScopeList, ActDown, "down", "j", "down"),
		bind(ScopeList, ActPageUp, "page up", "pgup", "ctrl+b"),
		bind(ScopeList, ActPageDown, "page down", "pgdown", "ctrl+f", " "),
		bind(ScopeList, ActTop, "first flow", "g", "home"),
		bind(ScopeList, ActBottom, "last flow", "G", "end"),
		bind(ScopeList, ActOpen, "open", "enter"),
		bind(ScopeList, ActFilter, "filter", "f"),
		bind(ScopeList, ActSort, "sort", "o"),
		bind(ScopeList, ActReverse, "reverse", "O"),
		bind(ScopeList, ActFollow, "follow", "F"),
		bind(ScopeList, ActMark, "mark", "m"),
		bind(ScopeList, ActMarkedOnly, "marked only", "M"),
		bind(ScopeList, ActDelete, "delete", "d"),
		bind(ScopeList, ActClear, "clear all", "z"),
		bind(ScopeList, ActComment, "comment", ";"),
		bind(ScopeList, ActReplay, "replay", "r"),
		bind(ScopeList, ActReplayAll, "replay all shown", "ctrl+r"),
		bind(ScopeList, ActExport, "export", "x"),
		bind(ScopeList, ActCopyCurl, "copy as curl", "c"),
		bind(ScopeList, ActWrite, "write to file", "w"),
		bind(ScopeList, ActPassthrough, "pass host through", "P"),
		bind(ScopeList, ActQuit, "quit", "q"),

		bind(ScopeFlow, ActBack, "back", "q", "esc"),
		bind(ScopeFlow, ActNextTab, "next tab", "tab", "l", "right"),
		bind(ScopeFlow, ActPrevTab, "previous tab", "shift+tab", "h", "left"),
		bind(ScopeFlow, ActViewMode, "view mode", "v"),
		bind(ScopeFlow, ActSearch, "search", "/"),
		bind(ScopeFlow, ActNextMatch, "next", "n"),
		bind(ScopeFlow, ActPrevMatch, "prev", "N"),
		bind(ScopeFlow, ActMark, "mark", "m"),
		bind(ScopeFlow, ActComment, "comment", ";"),
		bind(ScopeFlow, ActOriginal, "original request", "o"),
		bind(ScopeFlow, ActReplay, "replay", "r"),
		bind(ScopeFlow, ActExport, "export", "x"),
		bind(ScopeFlow, ActCopyCurl, "copy as curl", "c"),
		bind(ScopeFlow, ActWrite, "write to file", "w"),
		bind(ScopeFlow, ActPassthrough, "pass host through", "P"),

		// The Messages tab's own keys, tried before the flow view's
		// scrolling ones; the pager's page keys still scroll the tab.
		bind(ScopeMessages, ActNextMessage, "next message", "j", "down"),
		bind(ScopeMessages, ActPrevMessage, "previous message", "k", "up"),
		bind(ScopeMessages, ActFollow, "follow new messages on/off", "F"),

		bind(ScopeIntercept, ActResume, "resume", "a"),
		bind(ScopeIntercept, ActResumeAll, "resume all", "A"),
		bind(ScopeIntercept, ActKill, "kill", "X"),
		bind(ScopeIntercept, ActEdit, "edit", "e"),
		bind(ScopeIntercept, ActAnswer, "answer", "p"),
		bind(ScopeIntercept, ActIntercept, "intercept filter", "i"),
		bind(ScopeIntercept, ActInterceptToggle, "intercept on/off", "I"),

		// The keys of a paused flow act on a paused message, where the
		// focused WebSocket has one (the one selected in the Messages
		// tab, else its oldest).
		bind(ScopeMessageBreak, ActForward, "forward", "a"),
		bind(ScopeMessageBreak, ActEdit, "edit", "e"),
		bind(ScopeMessageBreak, ActDrop, "drop", "X"),
		bind(ScopeMessageBreak, ActBreakMessages, "pause messages on/off", "B"),
		bind(ScopeMessageBreak, ActInject, "send a message", "s"),
		// The intercept scope's A, listed here too: it forwards every
		// paused message (breakpoint.HandleKey passes it on).
		bind(ScopeMessageBreak, ActResumeAll, "forward all paused", "A"),

		bind(ScopePager, ActUp, "scroll up", "k", "up"),
		bind(ScopePager, ActDown, "scroll down", "j", "down"),
		bind(ScopePager, ActPageUp, "page up", "pgup", "ctrl+b", "b"),
		bind(ScopePager, ActPageDown, "page down", "pgdown", "ctrl+f", " "),
		bind(ScopePager, ActTop, "top", "g", "home"),
		bind(ScopePager, ActBottom, "bottom", "G", "end"),
		bind(ScopePager, ActBack, "close", "q", "esc"),

		bind(ScopeRules, ActUp, "up", "k", "up"),
		bind(ScopeRules, ActDown, "down", "j", "down"),
		bind(ScopeRules, ActToggle, "on/off", " ", "t"),
		bind(ScopeRules, ActNewRule, "new rule from the flow", "n"),
		bind(ScopeRules, ActSaveRules, "save added rules", "s"),
		bind(ScopeRules, ActDelete, "remove added rule", "d"),
		bind(ScopeRules, ActBack, "close", "q", "esc"),

		bind(ScopeConnect, ActPassList, "passed-through hosts", "p"),
		bind(ScopeConnect, ActNextAddr, "next address", "tab"),
		bind(ScopeConnect, ActUp, "up", "k", "up"),
		bind(ScopeConnect, ActDown, "down", "j", "down"),
		bind(ScopeConnect, ActDelete, "remove host", "d"),
		bind(ScopeConnect, ActBack, "close", "q", "esc"),

		bind(ScopeMenu, ActUp, "up", "k", "up"),
		bind(ScopeMenu, ActDown, "down", "j", "down"),
		bind(ScopeMenu, ActConfirm, "copy", "enter", "c"),
		bind(ScopeMenu, ActWrite, "write to file", "w"),
		bind(ScopeMenu, ActCancel, "cancel", "esc", "q", "x"),

		bind(ScopePrompt, ActConfirm, "yes / apply", "enter", "y"),
		bind(ScopePrompt, ActCancel, "no / cancel", "esc", "n"),
		bind(ScopeInput, ActConfirm, "apply", "enter"),
		bind(ScopeInput, ActCancel, "cancel", "esc"),
	}}
}

// Lookup returns the binding of msg in scope.
func (km Map) Lookup(scope Scope, msg tea.KeyMsg) (Binding, bool) {
	for _, b := range km.Bindings {
		if b.Scope == scope && b.Key.Enabled() && key.Matches(msg, b.Key) {
			return b, true
		}
	}
	return Binding{}, false
}

// InScope returns the bindings of one scope, in table order.
func (km Map) InScope(scope Scope) []Binding {
	var out []Binding
	for _, b := range km.Bindings {
		if b.Scope == scope {
			out = append(out, b)
		}
	}
	return out
}

// Key returns the first key bound to action in scope, for hints and tests;
// "" when there is none.
func (km Map) Key(scope Scope, a Action) string {
	for _, b := range km.Bindings {
		if b.Scope == scope && b.Action == a && len(b.Key.Keys()) > 0 {
			return b.Key.Keys()[0]
		}
	}
	return ""
}

// KeyMsg returns the key message that the first key of action in scope
// produces, for tests and scripted input.
func (km Map) KeyMsg(scope Scope, a Action) tea.KeyMsg {
	return keyMsg(km.Key(scope, a))
}

// keyMsg turns a key name as bindings spell it back into a message.
func keyMsg(name string) tea.KeyMsg {
	special := []tea.KeyType{tea.KeyEnter, tea.KeyEsc, tea.KeyTab, tea.KeyShiftTab,
		tea.KeyUp, tea.KeyDown, tea.KeyLeft, tea.KeyRight, tea.KeyPgUp, tea.KeyPgDown,
		tea.KeyHome, tea.KeyEnd, tea.KeyCtrlC, tea.KeyCtrlB, tea.KeyCtrlF, tea.KeyCtrlR}
	for _, t := range special {
		if t.String() == name {
			return tea.KeyMsg{Type: t}
		}
	}
	if name == " " {
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(name)}
}

// NoProxy is what keys that need the running proxy say without one.
const NoProxy = "no proxy is running (this session is read-only)"

// Split splits keys typed faster than the terminal is read (a held j,
// tmux send-keys), which arrive as one message, into one message a key:
// they are still separate commands. A paste or a single key is kept whole.
func Split(msg tea.KeyMsg) []tea.KeyMsg {
	if msg.Type != tea.KeyRunes || len(msg.Runes) < 2 || msg.Paste {
		return []tea.KeyMsg{msg}
	}
	out := make([]tea.KeyMsg, 0, len(msg.Runes))
	for _, r := range msg.Runes {
		out = append(out, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	return out
}
