package ui

import (
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/flowview"
)

// State is what the UI shows, for tests and scripts that drive it.
type State struct {
	Page       string // "list", "flow", "help" or "events"
	Filter     string
	MarkedOnly bool
	Sort       session.SortKey
	Reverse    bool
	Follow     bool
	Shown      int
	Total      int
	Selected   *session.Flow // under the list's cursor (read-only), or nil
	Open       *session.Flow // in the flow view, or nil
	Tab        int           // the flow view's tab
	Mode       flowview.ViewMode
	Original   bool   // the Request tab shows the client's original request
	Message    string // the status bar's message
	Paused     int    // flows paused at breakpoints
}

// State returns the UI's current state.
func (m *Model) State() State {
	key, reverse := m.list.Order()
	shown, total := m.list.Counts()
	return State{
		Page:   pages[m.page].name,
		Filter: m.list.Filter(), MarkedOnly: m.list.MarkedOnly(),
		Sort: key, Reverse: reverse, Follow: m.list.Follow(), Shown: shown, Total: total,
		Selected: m.list.Selected(), Open: m.flow.Flow(), Tab: m.flow.Tab(), Mode: m.flow.Mode(),
		Original: m.flow.Original(), Message: m.line.Message(), Paused: m.bp.Paused(),
	}
}
