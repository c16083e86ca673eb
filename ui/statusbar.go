package ui

import (
	"fmt"
	"path/filepath"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/style"
)

// expireMsg clears the status message with the given serial number.
type expireMsg struct{ serial int }

// status is the status bar's message and what it says about the session.
type status struct {
	text   string
	serial int
}

// set shows text and returns the command that expires it.
func (s *status) set(text string, ttl func() tea.Cmd) tea.Cmd {
	s.text = text
	s.serial++
	return ttl()
}

// statusLine draws the status bar: where the proxy listens, the session
// file, counts, filter and order, intercept state, and the last message.
func (m *Model) statusLine() string {
	var left []string
	if m.opts.readOnly {
		left = append(left, "read-only")
	} else if m.opts.listen != "" {
		left = append(left, m.opts.listen)
	}
	left = append(left, filepath.Base(m.store.Path()))
	counts := fmt.Sprintf("%d flows", m.list.total)
	if m.list.shown != m.list.total || m.filterExpr != "" || m.markedOnly {
		counts = fmt.Sprintf("%d/%d flows", m.list.shown, m.list.total)
	}
	left = append(left, counts)
	if m.filterExpr != "" {
		left = append(left, "filter: "+style.Printable(m.filterExpr))
	}
	if m.markedOnly {
		left = append(left, "marked only")
	}
	dir := "▲"
	if m.reverse {
		dir = "▼"
	}
	left = append(left, "sort: "+m.sortKey.String()+dir)
	if m.list.Follow() {
		left = append(left, "follow")
	}
	if !m.opts.readOnly {
		left = append(left, m.bp.Status())
	}
	if m.rules != nil && m.rules.Status() != "" {
		left = append(left, m.rules.Status())
	}
	if m.page == pageFlow {
		if info := m.flow.MatchInfo(); info != "" {
			left = append(left, info)
		}
	}
	l := " " + strings.Join(left, " · ")
	r := ""
	if m.status.text != "" {
		r = style.Printable(m.status.text) + " "
	}
	gap := m.width - ansi.StringWidth(l) - ansi.StringWidth(r)
	if gap < 1 {
		l = ansi.Truncate(l, max(m.width-ansi.StringWidth(r)-1, 0), "…")
		gap = max(m.width-ansi.StringWidth(l)-ansi.StringWidth(r), 0)
	}
	return m.st.Bar.Render(style.Cell(l+strings.Repeat(" ", gap)+r, m.width))
}

// hintScope is the key table scope whose keys the hint bar shows.
func (m *Model) hintScope() keymap.Scope {
	switch m.page {
	case pageFlow:
		return keymap.ScopeFlow
	case pageHelp, pageEvents:
		return keymap.ScopePager
	case pageRules:
		return keymap.ScopeRules
	}
	return keymap.ScopeList
}

// hints draws the one-line key hint bar for the current page, with help
// always offered first, then what can be done with a paused flow when one
// is focused; keys that cannot act here (a read-only session's) are left
// out.
func (m *Model) hints() string {
	bs := []keymap.Binding{}
	for _, b := range m.keys.InScope(keymap.ScopeGlobal) {
		if b.Action == keymap.ActHelp {
			bs = append(bs, b)
		}
	}
	if m.bp.Hints(m.focused()) {
		for _, b := range m.keys.InScope(keymap.ScopeIntercept) {
			if b.Action != keymap.ActIntercept && b.Action != keymap.ActInterceptToggle {
				bs = append(bs, b)
			}
		}
	}
	for _, b := range m.keys.InScope(m.hintScope()) {
		switch b.Action {
		case keymap.ActUp, keymap.ActDown, keymap.ActPageUp, keymap.ActPageDown, keymap.ActTop, keymap.ActBottom, keymap.ActPrevTab, keymap.ActPrevMatch:
			continue // obvious, or paired with one shown
		}
		if b.Planned == "" && m.refusal(b) == "" {
			bs = append(bs, b)
		}
	}
	return keymap.HintLine(bs, m.st, m.width)
}
