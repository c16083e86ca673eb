package ui

import (
	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/prompt"
)

// key routes a key: to an open prompt or menu, else global keys, else the
// page.
func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	if keys := keymap.Split(msg); len(keys) > 1 && !m.line.TakesText() {
		var cmds []tea.Cmd
		for _, k := range keys {
			cmds = append(cmds, m.key(k))
		}
		return tea.Batch(cmds...)
	}
	if m.line.Asking() {
		return m.line.Update(msg)
	}
	if m.export.MenuOpen() {
		return m.export.MenuKey(msg)
	}
	if b, ok := m.keys.Lookup(keymap.ScopeGlobal, msg); ok {
		if b.Action == keymap.ActQuitNow {
			return m.quit()
		}
		for p := range pages {
			if pages[p].key == b.Action {
				return m.show(page(p))
			}
		}
	}
	if m.page == pageList || m.page == pageFlow {
		return m.flowKey(msg)
	}
	if b, ok := m.keys.Lookup(pages[m.page].scope, msg); ok && b.Action == keymap.ActBack {
		m.page = m.ret[m.page]
		return nil
	}
	return m.screens[m.page].Update(msg)
}

// flowKey handles a key on the flow list or the flow view. The focused
// component is resolved once, so the actions both share (intercept, mark,
// comment, replay, export) are written once; the rest are the page's own.
func (m *Model) flowKey(msg tea.KeyMsg) tea.Cmd {
	scope, f := pages[m.page].scope, m.focused()
	if cmd, ok := m.bp.HandleKey(msg, f); ok {
		return cmd
	}
	b, ok := m.keys.Lookup(scope, msg)
	if !ok {
		if m.page == pageFlow {
			return m.flow.Update(msg) // the pager's scrolling keys
		}
		return nil
	}
	switch a := b.Action; {
	case keymap.Unavailable(b, m.opts.readOnly) != "":
		return m.line.Say(keymap.Unavailable(b, m.opts.readOnly))
	case a == keymap.ActMark || a == keymap.ActComment:
		return m.list.Annotate(a, f, m.page == pageFlow)
	case a == keymap.ActReplay || a == keymap.ActExport || a == keymap.ActCopyCurl || a == keymap.ActWrite:
		return m.export.Key(a, f)
	case a == keymap.ActQuit:
		return m.line.Confirm("quit siphon?", m.quit)
	case a == keymap.ActPassthrough:
		if m.connect == nil {
			return m.line.Say(keymap.NoProxy)
		}
		return m.connect.PassFlow(f)
	case a == keymap.ActReplayAll:
		return m.export.ReplayShown(m.list.Matcher())
	case a == keymap.ActOpen:
		if f == nil {
			return nil
		}
		m.open(pageFlow)
		return m.flow.Open(f.ID)
	case a == keymap.ActBack:
		m.flow.Close()
		m.page = m.ret[pageFlow]
		return nil
	case scope == keymap.ScopeList:
		return m.list.Key(msg, a)
	}
	return m.flow.Update(msg) // tabs, view mode, search
}

// focused is the flow the keys act on: the open one, or the one under the
// list's cursor; nil for none.
func (m *Model) focused() *session.Flow {
	switch m.page {
	case pageFlow:
		return m.flow.Flow()
	case pageList:
		return m.list.Selected()
	}
	return nil
}

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

// show opens page p from its global key, readied for the focused flow; a
// page this UI lacks (rules and connect without a proxy) says so.
func (m *Model) show(p page) tea.Cmd {
	s, ok := m.screens[p].(opener)
	if !ok {
		return m.line.Say(keymap.NoProxy)
	}
	focus, again := m.focused(), m.page == p
	m.open(p)
	s.Opened(focus, again)
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
	return keymap.HintLine(m.keys.Hints(pages[m.page].scope, m.bp.Hints(m.focused()), m.opts.readOnly), m.st, m.width)
}
