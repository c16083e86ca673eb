package flowview

import (
	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/session"
)

// ViewState is the flow view's part of what the UI shows, for tests and
// scripts that drive it (ui.State embeds it).
type ViewState struct {
	Open     *session.Flow // in the flow view, or nil
	Tab      int           // the flow view's tab
	Mode     ViewMode
	Original bool // the Request tab shows the client's original request
}

// State returns the flow view's part of the UI's state.
func (v *Model) State() ViewState {
	return ViewState{Open: v.flow, Tab: v.tab, Mode: v.mode, Original: v.original}
}

// Refreshed takes in a refresh of the session while the view is shown:
// changed says flows changed, so an open, unfinished flow is read again;
// messages change no flow, so StoreChanged looks for them each time.
func (v *Model) Refreshed(changed bool) tea.Cmd {
	var reload tea.Cmd
	if changed {
		reload = v.Reload()
	}
	return tea.Batch(reload, v.StoreChanged())
}
