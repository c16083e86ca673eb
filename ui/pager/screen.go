package pager

import (
	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/style"
)

// Screen is a pager under a title line, as a page of its own: the help
// screen and the event log.
type Screen struct {
	Model
	// Fill, if set, gives the lines shown each time the screen is opened
	// (the help screen's, built from the key table).
	Fill  func() []string
	title string
	width int
}

// NewScreen returns an empty screen with the given title.
func NewScreen(title string, keys keymap.Map, st style.Styles) *Screen {
	return &Screen{Model: New(keys, st), title: title}
}

// NewHelp returns the help screen: every binding of km and the filter
// language (keymap.HelpLines), built afresh each time it is opened; note
// says why a binding cannot act here.
func NewHelp(km keymap.Map, st style.Styles, note func(keymap.Binding) string) *Screen {
	s := NewScreen("help", km, st)
	s.Fill = func() []string { return keymap.HelpLines(km, st, note) }
	return s
}

// SetSize sets the screen's area, the title line included.
func (s *Screen) SetSize(width, height int) {
	s.width = width
	s.Model.SetSize(width, max(height-1, 1))
}

// Update scrolls on the pager's keys and the mouse wheel.
func (s *Screen) Update(msg tea.Msg) tea.Cmd {
	s.Model, _ = s.Model.Update(msg)
	return nil
}

// View draws the title, with the scroll position, and the pager.
func (s *Screen) View() string {
	return style.Cell(s.st.Title.Render(s.title)+"  "+s.st.Muted.Render(s.Position()), s.width) + "\n" + s.Model.View()
}

// Opened shows Fill's lines from the top, when the root opens the screen.
func (s *Screen) Opened(*session.Flow, bool) {
	if s.Fill != nil {
		s.SetLines(s.Fill(), false)
	}
}
