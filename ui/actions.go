package ui

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/filter"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// listKey handles a key on the flow list.
func (m *Model) listKey(msg tea.KeyMsg) tea.Cmd {
	if b, ok := m.keys.Lookup(keymap.ScopeIntercept, msg); ok {
		return m.interceptKey(b.Action, m.list.Selected())
	}
	b, ok := m.keys.Lookup(keymap.ScopeList, msg)
	if !ok {
		return nil
	}
	if b.Planned != "" {
		return m.say(fmt.Sprintf("%s: not available yet (%s)", b.Key.Help().Desc, b.Planned))
	}
	if why := m.refusal(b); why != "" {
		return m.say(why)
	}
	sel := m.list.Selected()
	switch b.Action {
	case keymap.ActUp, keymap.ActDown, keymap.ActPageUp, keymap.ActPageDown, keymap.ActTop, keymap.ActBottom:
		var cmd tea.Cmd
		m.list, cmd = m.list.Update(msg)
		return cmd
	case keymap.ActOpen:
		if sel == nil {
			return nil
		}
		m.page = pageFlow
		return m.flow.Open(sel.ID)
	case keymap.ActFilter:
		return m.ask(NewInput(keymap.ActFilter, "filter", m.filterExpr, true, m.keys, m.st))
	case keymap.ActSort:
		m.sortKey = m.sortKey.Next()
		return tea.Batch(m.applyQuery(), m.say("sorted by "+m.sortKey.String()))
	case keymap.ActReverse:
		m.reverse = !m.reverse
		return m.applyQuery()
	case keymap.ActFollow:
		m.list.SetFollow(!m.list.Follow())
		if m.list.Follow() {
			return m.say("following the newest flow")
		}
		return m.say("follow off")
	case keymap.ActMarkedOnly:
		m.markedOnly = !m.markedOnly
		return m.applyQuery()
	case keymap.ActClear:
		if m.list.total == 0 {
			return nil
		}
		p := NewConfirm(keymap.ActClear, fmt.Sprintf("delete all %d flows from the session?", m.list.total), m.keys, m.st)
		return m.ask(p, nil)
	case keymap.ActQuit:
		return m.ask(NewConfirm(keymap.ActQuit, "quit siphon?", m.keys, m.st), nil)
	case keymap.ActReplayAll:
		return m.replayShown()
	}
	if sel == nil {
		return nil
	}
	switch b.Action {
	case keymap.ActReplay:
		return m.replayFlow(sel)
	case keymap.ActExport, keymap.ActCopyCurl, keymap.ActWrite:
		return m.exportKey(b.Action, sel)
	case keymap.ActMark:
		return m.edit(sel, func(f *session.Flow) { f.Marked = !f.Marked })
	case keymap.ActDelete:
		if err := m.store.Delete(sel.ID); err != nil {
			return m.say(err.Error())
		}
		return m.say(fmt.Sprintf("deleted flow #%d", sel.Seq))
	case keymap.ActComment:
		return m.ask(NewInput(keymap.ActComment, "comment #"+itoa(sel.Seq), sel.Comment, false, m.keys, m.st))
	}
	return nil
}

// flowKey handles a key on the flow view.
func (m *Model) flowKey(msg tea.KeyMsg) tea.Cmd {
	if b, ok := m.keys.Lookup(keymap.ScopeIntercept, msg); ok {
		return m.interceptKey(b.Action, m.flow.Flow())
	}
	b, ok := m.keys.Lookup(keymap.ScopeFlow, msg)
	if !ok {
		var cmd tea.Cmd
		m.flow, cmd = m.flow.Update(msg)
		return cmd
	}
	if b.Planned != "" {
		return m.say(fmt.Sprintf("%s: not available yet (%s)", b.Key.Help().Desc, b.Planned))
	}
	if why := m.refusal(b); why != "" {
		return m.say(why)
	}
	f := m.flow.Flow()
	switch b.Action {
	case keymap.ActBack:
		m.flow.Close()
		m.page = pageList
		return nil
	case keymap.ActSearch:
		return m.ask(NewInput(keymap.ActSearch, "search", "", false, m.keys, m.st))
	case keymap.ActMark:
		if f != nil {
			f.Marked = !f.Marked // the view's own copy, from Store.Get
			return m.edit(f, func(c *session.Flow) { c.Marked = f.Marked })
		}
		return nil
	case keymap.ActComment:
		if f != nil {
			return m.ask(NewInput(keymap.ActComment, "comment #"+itoa(f.Seq), f.Comment, false, m.keys, m.st))
		}
		return nil
	case keymap.ActOriginal:
		if f != nil && f.Original == nil {
			return m.say(fmt.Sprintf("flow #%d was not edited: its request is the one the client sent", f.Seq))
		}
		return m.flow.ToggleOriginal()
	case keymap.ActReplay:
		if f != nil {
			return m.replayFlow(f)
		}
		return nil
	case keymap.ActExport, keymap.ActCopyCurl, keymap.ActWrite:
		if f != nil {
			return m.exportKey(b.Action, f)
		}
		return nil
	}
	var cmd tea.Cmd
	m.flow, cmd = m.flow.Update(msg)
	return cmd
}

// ask opens a prompt.
func (m *Model) ask(p Prompt, cmd tea.Cmd) tea.Cmd {
	p.SetWidth(m.width)
	m.prompt = &p
	return cmd
}

// purposeThen marks a prompt whose answer goes to Model.then.
const purposeThen keymap.Action = "then"

// askInput opens an input checked with check (nil for none); then runs
// with the text if the user confirms it.
func (m *Model) askInput(label, value string, check func(string) error, then func(string) tea.Cmd) tea.Cmd {
	m.then = then
	return m.ask(NewCheckedInput(purposeThen, label, value, check, m.keys, m.st))
}

// askConfirm asks a yes/no question; then runs on yes.
func (m *Model) askConfirm(question string, then func() tea.Cmd) tea.Cmd {
	m.then = func(string) tea.Cmd { return then() }
	return m.ask(NewConfirm(purposeThen, question, m.keys, m.st), nil)
}

// answer acts on a finished prompt.
func (m *Model) answer(msg promptDoneMsg) tea.Cmd {
	if msg.purpose == purposeThen {
		then := m.then
		m.then = nil
		if !msg.ok || then == nil {
			return nil
		}
		return then(msg.value)
	}
	if !msg.ok {
		return nil
	}
	switch msg.purpose {
	case keymap.ActFilter:
		f, err := filter.Parse(msg.value)
		if err != nil {
			return m.say(err.Error())
		}
		m.filterExpr, m.filter = msg.value, f
		if msg.value == "" {
			m.filter = nil
			return tea.Batch(m.applyQuery(), m.say("filter cleared"))
		}
		return m.applyQuery()
	case keymap.ActSearch:
		n := m.flow.Search(msg.value)
		return m.say(fmt.Sprintf("%d matching lines", n))
	case keymap.ActComment:
		target := m.list.Selected()
		if m.page == pageFlow {
			target = m.flow.Flow()
			if target != nil {
				target.Comment = msg.value
			}
		}
		if target == nil {
			return nil
		}
		return m.edit(target, func(f *session.Flow) { f.Comment = msg.value })
	case keymap.ActClear:
		if err := m.store.Clear(); err != nil {
			return m.say(err.Error())
		}
		return m.say("cleared the session")
	case keymap.ActQuit:
		return m.quit()
	}
	return nil
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

// applyQuery gives the view the filter, marked-only switch and order, and
// refreshes it at once.
func (m *Model) applyQuery() tea.Cmd {
	m.setQuery()
	return m.refresh.request(m.ctx, m.view, true)
}

// setQuery gives the view the filter, marked-only switch and order.
func (m *Model) setQuery() {
	switch {
	case m.filter == nil && !m.markedOnly:
		m.view.SetMatcher(nil)
	default:
		m.view.SetMatcher(queryMatcher{f: m.filter, markedOnly: m.markedOnly})
	}
	m.view.SetOrder(m.sortKey, m.reverse)
	m.list.SetOrder(m.sortKey, m.reverse)
}

// queryMatcher is the user's filter and the marked-only switch together.
type queryMatcher struct {
	f          *filter.Filter
	markedOnly bool
}

var (
	_ session.BodyMatcher   = queryMatcher{}
	_ session.HeaderMatcher = queryMatcher{}
)

func (q queryMatcher) Match(f *session.Flow) bool {
	return (!q.markedOnly || f.Marked) && q.f.Match(f)
}

func (q queryMatcher) NeedsBodies() bool { return q.f.NeedsBodies() }

func (q queryMatcher) NeedsHeaders() bool { return q.f.NeedsHeaders() }
