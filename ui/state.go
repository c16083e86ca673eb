package ui

import (
	"github.com/siphonproxy/siphon/ui/flowlist"
	"github.com/siphonproxy/siphon/ui/flowview"
)

// State is what the UI shows, for tests and scripts that drive it: the
// page and the status bar's message here, and each feature's own part.
type State struct {
	Page string // "list", "flow", "help", "events", "rules" or "connect"
	flowlist.ListState
	flowview.ViewState
	Message string // the status bar's message
	Paused  int    // flows paused at breakpoints
}

// State returns the UI's current state.
func (m *Model) State() State {
	return State{Page: pages[m.page].name, ListState: m.list.State(), ViewState: m.flow.State(),
		Message: m.line.Message(), Paused: m.bp.Paused()}
}
