package ui

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/replay"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/style"
)

// ExportMenu asks how to export one flow: the formats of replay.Export,
// copied to the clipboard (enter) or written to a file (w). Digits pick a
// format at once.
type ExportMenu struct {
	keys    keymap.Map
	st      style.Styles
	width   int
	formats []replay.Format
	cursor  int
	flow    *session.Flow // as listed (bodies not loaded)
	write   bool          // opened with w: enter writes too
	choice  *ExportChoice
	closed  bool
}

// ExportChoice is what the user picked in an ExportMenu.
type ExportChoice struct {
	Format replay.Format
	Write  bool // to a file, rather than the clipboard
}

// NewExportMenu returns the menu for f; with write set, the choice is
// written to a file rather than copied.
func NewExportMenu(f *session.Flow, write bool, keys keymap.Map, st style.Styles) ExportMenu {
	return ExportMenu{keys: keys, st: st, formats: replay.Formats(), flow: f, write: write}
}

// SetWidth sets the menu's width.
func (m *ExportMenu) SetWidth(w int) { m.width = w }

// Update handles a key; Choice and Closed say how the menu ended.
func (m ExportMenu) Update(msg tea.KeyMsg) ExportMenu {
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

func (m *ExportMenu) pick(write bool) {
	m.choice = &ExportChoice{Format: m.formats[m.cursor], Write: write}
	m.closed = true
}

// Closed reports whether the menu has ended; Choice is nil if cancelled.
func (m ExportMenu) Closed() bool { return m.closed }

// Choice returns what was picked, or nil.
func (m ExportMenu) Choice() *ExportChoice { return m.choice }

// Lines draws the menu: a rule, a title, the formats, and its keys.
func (m ExportMenu) Lines() []string {
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
