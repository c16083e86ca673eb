package export

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/replay"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/style"
)

// Menu asks how to export one flow: the formats of replay.Export,
// copied to the clipboard (enter) or written to a file (w). Digits pick a
// format at once.
type Menu struct {
	keys    keymap.Map
	st      style.Styles
	width   int
	formats []replay.Format
	cursor  int
	flow    *session.Flow // as listed (bodies not loaded)
	write   bool          // opened with w: enter writes too
	choice  *Choice
	closed  bool
}

// Choice is what the user picked in an Menu.
type Choice struct {
	Format replay.Format
	Write  bool // to a file, rather than the clipboard
}

// NewMenu returns the menu for f; with write set, the choice is
// written to a file rather than copied.
func NewMenu(f *session.Flow, write bool, keys keymap.Map, st style.Styles) Menu {
	return Menu{keys: keys, st: st, formats: replay.Formats(), flow: f, write: write}
}

// SetWidth sets the menu's width.
func (m *Menu) SetWidth(w int) { m.width = w }

// Update handles a key; Choice and Closed say how the menu ended.
func (m Menu) Update(msg tea.KeyMsg) Menu {
	if msg.Type == tea.KeyRunes && len(msg.Runes) == 1 && msg.Runes[0] >= '1' && int(msg.Runes[0]-'1') < len(m.formats) {
		m.cursor = int(msg.Runes[0] - '1')
		m.pick(m.write)
		return m
	}
	b, ok := m.keys.Lookup(keymap.ScopeMenu, msg)
	if !ok {
		return m
	}
	switch b.Action {
	case keymap.ActUp:
		m.cursor = (m.cursor + len(m.formats) - 1) % len(m.formats)
	case keymap.ActDown:
		m.cursor = (m.cursor + 1) % len(m.formats)
	case keymap.ActConfirm:
		m.pick(m.write)
	case keymap.ActWrite:
		m.pick(true)
	case keymap.ActCancel:
		m.closed = true
	}
	return m
}

func (m *Menu) pick(write bool) {
	m.choice = &Choice{Format: m.formats[m.cursor], Write: write}
	m.closed = true
}

// Closed reports whether the menu has ended; Choice is nil if cancelled.
func (m Menu) Closed() bool { return m.closed }

// Choice returns what was picked, or nil.
func (m Menu) Choice() *Choice { return m.choice }

// Lines draws the menu: a rule, a title, the formats, and its keys.
func (m Menu) Lines() []string {
	verb := "copy to the clipboard"
	if m.write {
		verb = "write to a file"
	}
	title := fmt.Sprintf("export flow #%d: %s", m.flow.Seq, verb)
	lines := []string{m.st.Muted.Render(strings.Repeat("─", max(m.width, 1))), style.Cell(m.st.Title.Render(title), m.width)}
	for i, f := range m.formats {
		line := fmt.Sprintf(" %d  %s", i+1, f.Label())
		if i == m.cursor {
			lines = append(lines, m.st.Selected.Render(style.Cell("›"+line, m.width)))
		} else {
			lines = append(lines, style.Cell(" "+line, m.width))
		}
	}
	return append(lines, keymap.HintLine(m.keys.InScope(keymap.ScopeMenu), m.st, m.width))
}
