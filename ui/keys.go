package ui

import (
	"fmt"
	"strconv"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// key routes a key: to an open prompt or menu, else global keys, else the
// page.
func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	if m.prompt == nil && msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
		// Keys typed faster than the terminal is read (a held j, tmux
		// send-keys) arrive as one chunk: they are still separate commands.
		cmds := make([]tea.Cmd, 0, len(msg.Runes))
		for _, r := range msg.Runes {
			cmds = append(cmds, m.key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}))
		}
		return tea.Batch(cmds...)
	}
	if m.prompt != nil {
		p, cmd := m.prompt.Update(msg)
		m.prompt = &p
		if res := p.Result(); res != nil {
			m.prompt = nil
			return tea.Batch(cmd, m.answer(*res))
		}
		return cmd
	}
	if m.export.MenuOpen() {
		return m.export.MenuKey(msg)
	}
	if b, ok := m.keys.Lookup(keymap.ScopeGlobal, msg); ok {
		switch b.Action {
		case keymap.ActQuitNow:
			return m.quit()
		case keymap.ActHelp:
			m.openPager(pageHelp)
			m.pager.SetLines(keymap.HelpLines(m.keys, m.st, m.helpNote), false)
			return nil
		case keymap.ActEvents:
			m.openPager(pageEvents)
			m.showEvents(false)
			return nil
		case keymap.ActRules:
			return m.openRules(m.focused())
		}
	}
	switch m.page {
	case pageList, pageFlow:
		return m.flowKey(msg)
	case pageRules:
		if b, ok := m.keys.Lookup(keymap.ScopeRules, msg); ok && b.Action == keymap.ActBack {
			m.page = m.rulesBack
			return nil
		}
		return m.rules.Key(msg)
	}
	if b, ok := m.keys.Lookup(keymap.ScopePager, msg); ok && b.Action == keymap.ActBack {
		m.page = m.back
		return nil
	}
	m.pager, _ = m.pager.Update(msg)
	return nil
}

// flowKey handles a key on the flow list or the flow view. The focused
// component is resolved once, so the actions both share (intercept, mark,
// comment, replay, export) are written once; the rest are the page's own.
func (m *Model) flowKey(msg tea.KeyMsg) tea.Cmd {
	scope, f := keymap.ScopeList, m.list.Selected()
	if m.page == pageFlow {
		scope, f = keymap.ScopeFlow, m.flow.Flow()
	}
	if b, ok := m.keys.Lookup(keymap.ScopeIntercept, msg); ok {
		return m.bp.Key(b.Action, f)
	}
	b, ok := m.keys.Lookup(scope, msg)
	switch {
	case ok && b.Planned != "":
		return m.say(fmt.Sprintf("%s: not available yet (%s)", b.Key.Help().Desc, b.Planned))
	case ok && m.refusal(b) != "":
		return m.say(m.refusal(b))
	}
	switch a := b.Action; {
	case !ok && scope == keymap.ScopeList:
		return nil
	case !ok:
	case a == keymap.ActMark || a == keymap.ActComment || a == keymap.ActReplay ||
		a == keymap.ActExport || a == keymap.ActCopyCurl || a == keymap.ActWrite:
		if f == nil {
			return nil
		}
		switch a {
		case keymap.ActMark:
			marked := !f.Marked
			if m.page == pageFlow {
				f.Marked = marked // the view's own copy, from Store.Get
			}
			return m.edit(f, func(c *session.Flow) { c.Marked = marked })
		case keymap.ActComment:
			return m.Ask("comment #"+strconv.FormatInt(f.Seq, 10), f.Comment, nil, func(text string) tea.Cmd {
				if m.page == pageFlow {
					f.Comment = text
				}
				return m.edit(f, func(c *session.Flow) { c.Comment = text })
			})
		}
		return m.export.Key(a, f)
	case a == keymap.ActQuit:
		return m.Confirm("quit siphon?", m.quit)
	case a == keymap.ActReplayAll:
		return m.export.ReplayShown(m.list.Matcher())
	case a == keymap.ActOpen:
		if f == nil {
			return nil
		}
		m.page = pageFlow
		return m.flow.Open(f.ID)
	case a == keymap.ActBack:
		m.flow.Close()
		m.page = pageList
		return nil
	case a == keymap.ActSearch:
		return m.Ask("search", "", nil, func(q string) tea.Cmd {
			return m.say(fmt.Sprintf("%d matching lines", m.flow.Search(q)))
		})
	case a == keymap.ActOriginal:
		if f != nil && f.Original == nil {
			return m.say(fmt.Sprintf("flow #%d was not edited: its request is the one the client sent", f.Seq))
		}
		return m.flow.ToggleOriginal()
	case scope == keymap.ScopeList:
		return m.list.Key(msg, a)
	}
	var cmd tea.Cmd
	m.flow, cmd = m.flow.Update(msg) // tabs, view mode, matches, scrolling
	return cmd
}

// edit changes a flow in the store. It works on a copy without body bytes
// (marked Unloaded), so the store keeps the bodies it has.
func (m *Model) edit(f *session.Flow, change func(*session.Flow)) tea.Cmd {
	c := f.Clone()
	for _, b := range []*session.Body{bodyOf(c.Request), bodyOfResp(c.Response), bodyOf(c.Original)} {
		if b != nil {
			b.Data, b.Unloaded = nil, true
		}
	}
	change(c)
	if err := m.store.Update(c); err != nil {
		return m.say(err.Error())
	}
	return nil
}

func bodyOf(r *session.Request) *session.Body {
	if r == nil {
		return nil
	}
	return &r.Body
}

func bodyOfResp(r *session.Response) *session.Body {
	if r == nil {
		return nil
	}
	return &r.Body
}

func (m *Model) mouse(msg tea.MouseMsg) tea.Cmd {
	var cmd tea.Cmd
	switch m.page {
	case pageList:
		cmd = m.list.Update(msg)
	case pageFlow:
		m.flow, cmd = m.flow.Update(msg)
	case pageRules:
		cmd = m.rules.Update(msg)
	default:
		m.pager, _ = m.pager.Update(msg)
	}
	return cmd
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
