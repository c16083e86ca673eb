package ui

import (
	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/prompt"
)

// open shows page p; back returns to the page it was opened from, or
// from under help and the event log.
func (m *Model) open(p page) {
	if m.page != p {
		from := m.page
		if from == pageHelp || from == pageEvents {
			from = m.ret[from]
		}
		m.ret[p] = from
	}
	m.page = p
}

// openRules shows the rules view; n there adds a rule from focus.
func (m *Model) openRules(focus *session.Flow) tea.Cmd {
	if m.rules == nil {
		return m.line.Say(keymap.NoProxy)
	}
	if m.page != pageRules {
		m.open(pageRules)
		m.rules.Open(focus)
	}
	return nil
}

// statusLine draws the status bar: where the proxy listens, the session
// file, counts, filter and order, intercept state, and the last message.
func (m *Model) statusLine() string {
	left := append(m.list.Status(), m.bp.Status(), m.rules.Status())
	if m.page == pageFlow {
		left = append(left, m.flow.MatchInfo())
	}
	return prompt.Bar(left, m.line.Message(), m.width, m.st)
}

// hints draws the one-line key hint bar for the current page, with help
// always offered first, then what can be done with a paused flow when one
// is focused; keys that cannot act here (a read-only session's) are left
// out.
func (m *Model) hints() string {
	return keymap.HintLine(m.keys.Hints(pages[m.page].scope, m.bp.Hints(m.focused()), m.refusal), m.st, m.width)
}

// refusal is what the status bar says when b is pressed but cannot act in
// this UI, or "" when it can.
func (m *Model) refusal(b keymap.Binding) string { return keymap.Refusal(b, m.opts.readOnly) }

// helpNote is what the help screen adds to b when it cannot act in this
// UI.
func (m *Model) helpNote(b keymap.Binding) string { return keymap.HelpNote(b, m.opts.readOnly) }
