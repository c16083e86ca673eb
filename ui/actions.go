package ui

import (
	"fmt"
	"strconv"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/filter"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/prompt"
)

// listKey handles a key on the flow list.
func (m *Model) listKey(msg tea.KeyMsg) tea.Cmd {
	if b, ok := m.keys.Lookup(keymap.ScopeIntercept, msg); ok {
		return m.bp.Key(b.Action, m.list.Selected())
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
		return m.Ask("filter", m.filterExpr, prompt.CheckFilter, m.setFilter)
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
		return m.Confirm(fmt.Sprintf("delete all %d flows from the session?", m.list.total), m.clear)
	case keymap.ActQuit:
		return m.Confirm("quit siphon?", m.quit)
	case keymap.ActReplayAll:
		return m.export.ReplayShown(m.matcher())
	}
	if sel == nil {
		return nil
	}
	switch b.Action {
	case keymap.ActReplay:
		return m.export.Key(b.Action, sel)
	case keymap.ActExport, keymap.ActCopyCurl, keymap.ActWrite:
		return m.export.Key(b.Action, sel)
	case keymap.ActMark:
		return m.edit(sel, func(f *session.Flow) { f.Marked = !f.Marked })
	case keymap.ActDelete:
		if err := m.store.Delete(sel.ID); err != nil {
			return m.say(err.Error())
		}
		return m.say(fmt.Sprintf("deleted flow #%d", sel.Seq))
	case keymap.ActComment:
		return m.askComment(sel)
	}
	return nil
}

// flowKey handles a key on the flow view.
func (m *Model) flowKey(msg tea.KeyMsg) tea.Cmd {
	if b, ok := m.keys.Lookup(keymap.ScopeIntercept, msg); ok {
		return m.bp.Key(b.Action, m.flow.Flow())
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
		return m.Ask("search", "", nil, func(q string) tea.Cmd {
			return m.Say(fmt.Sprintf("%d matching lines", m.flow.Search(q)))
		})
	case keymap.ActMark:
		if f != nil {
			f.Marked = !f.Marked // the view's own copy, from Store.Get
			return m.edit(f, func(c *session.Flow) { c.Marked = f.Marked })
		}
		return nil
	case keymap.ActComment:
		if f != nil {
			return m.askComment(f)
		}
		return nil
	case keymap.ActOriginal:
		if f != nil && f.Original == nil {
			return m.say(fmt.Sprintf("flow #%d was not edited: its request is the one the client sent", f.Seq))
		}
		return m.flow.ToggleOriginal()
	case keymap.ActReplay:
		if f != nil {
			return m.export.Key(b.Action, f)
		}
		return nil
	case keymap.ActExport, keymap.ActCopyCurl, keymap.ActWrite:
		if f != nil {
			return m.export.Key(b.Action, f)
		}
		return nil
	}
	var cmd tea.Cmd
	m.flow, cmd = m.flow.Update(msg)
	return cmd
}

// Say implements prompt.Host.
func (m *Model) Say(text string) tea.Cmd { return m.say(text) }

// Ask implements prompt.Host.
func (m *Model) Ask(label, value string, check func(string) error, then func(string) tea.Cmd) tea.Cmd {
	p, cmd := prompt.NewInput(label, value, check, m.keys, m.st)
	return m.open(p, then, cmd)
}

// Confirm implements prompt.Host.
func (m *Model) Confirm(question string, then func() tea.Cmd) tea.Cmd {
	return m.open(prompt.NewConfirm(question, m.keys, m.st), func(string) tea.Cmd { return then() }, nil)
}

// Asking implements prompt.Host.
func (m *Model) Asking() bool { return m.prompt != nil }

func (m *Model) open(p prompt.Model, then func(string) tea.Cmd, cmd tea.Cmd) tea.Cmd {
	p.SetWidth(m.width)
	m.prompt, m.then = &p, then
	return cmd
}

// answer acts on a finished prompt.
func (m *Model) answer(r prompt.Result) tea.Cmd {
	then := m.then
	m.then = nil
	if !r.OK || then == nil {
		return nil
	}
	return then(r.Value)
}

// setFilter applies the filter expression typed after f.
func (m *Model) setFilter(expr string) tea.Cmd {
	f, err := filter.Parse(expr)
	if err != nil {
		return m.say(err.Error())
	}
	m.filterExpr, m.filter = expr, f
	if expr == "" {
		m.filter = nil
		return tea.Batch(m.applyQuery(), m.say("filter cleared"))
	}
	return m.applyQuery()
}

// askComment asks for f's comment and saves it.
func (m *Model) askComment(f *session.Flow) tea.Cmd {
	return m.Ask("comment #"+strconv.FormatInt(f.Seq, 10), f.Comment, nil, func(c string) tea.Cmd {
		if f == m.flow.Flow() {
			f.Comment = c // the view's own copy, from Store.Get
		}
		return m.edit(f, func(g *session.Flow) { g.Comment = c })
	})
}

// clear deletes every flow of the session.
func (m *Model) clear() tea.Cmd {
	if err := m.store.Clear(); err != nil {
		return m.say(err.Error())
	}
	return m.say("cleared the session")
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
	m.view.SetMatcher(m.matcher())
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

// matcher is the user's filter and marked-only switch, or nil for all.
func (m *Model) matcher() session.Matcher {
	if m.filter == nil && !m.markedOnly {
		return nil
	}
	return queryMatcher{f: m.filter, markedOnly: m.markedOnly}
}
