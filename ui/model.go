// Package ui is siphon's terminal user interface, a Bubble Tea program: a
// live, virtualised flow list over a session.Store, a flow inspector with
// decoded and formatted bodies, filtering, sorting, marks, comments, an
// event log and a help screen built from the key table; with a proxy, it
// also pauses, edits and answers flows at breakpoints (intercept.Engine),
// lists and adds rules, replays flows (replay.Sender) and exports them to
// the clipboard or files.
//
// The root Model only routes: window sizes to every component, keys to the
// focused one, global keys to itself. Flows reach it through the store's
// change signal, awaited by a re-arming command; nothing outside the
// program ever calls Program.Send.
package ui

import (
	"context"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/filter"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/breakpoint"
	"github.com/siphonproxy/siphon/ui/export"
	"github.com/siphonproxy/siphon/ui/flowview"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/pager"
	"github.com/siphonproxy/siphon/ui/prompt"
	"github.com/siphonproxy/siphon/ui/rules"
	"github.com/siphonproxy/siphon/ui/style"
)

type page uint8

const (
	pageList page = iota
	pageFlow
	pageHelp
	pageEvents
	pageRules
)

// Model is the root of the UI. Create it with New; it is a tea.Model.
type Model struct {
	store *session.Store
	view  *session.View
	opts  options
	keys  keymap.Map
	st    style.Styles
	ctx   context.Context
	stop  context.CancelFunc

	width, height int
	page, back    page // back: where the help and events screens return to
	list          FlowList
	flow          flowview.Model
	pager         pager.Model // help and event log
	prompt        *prompt.Model
	then          func(string) tea.Cmd // acts on the confirmed answer to the prompt
	export        *export.Model
	bp            *breakpoint.Model
	status        status
	refresh       refresher

	rules     *rules.Model // nil without a rules engine
	rulesBack page         // where the rules view returns to

	filterExpr string
	filter     *filter.Filter
	markedOnly bool
	sortKey    session.SortKey
	reverse    bool
}

// New returns the UI over store. An invalid WithFilter expression is
// ignored with a message in the status bar.
func New(store *session.Store, opts ...Option) *Model {
	o := buildOptions(opts)
	st := style.NewStyles(o.theme)
	ctx, stop := context.WithCancel(context.Background())
	m := &Model{
		store: store, view: store.NewView(), opts: o, keys: o.keys, st: st, ctx: ctx, stop: stop,
		refresh: refresher{interval: o.interval},
	}
	m.list = NewFlowList(m.view, o.keys, st, o.loc)
	m.list.SetIntro(o.listen, o.caPath, o.readOnly)
	m.flow = flowview.New(store.Get, o.keys, st, o.loc)
	m.pager = pager.New(o.keys, st)
	if o.engine != nil {
		m.rules = rules.New(m, o.engine, o.keys, st)
	}
	xc := export.Config{Store: store, Clip: o.clip, Keys: o.keys, Styles: st}
	if o.sender != nil {
		xc.Sender = export.ReplaySender(o.sender)
	}
	m.export = export.New(ctx, m, xc)
	bc := breakpoint.Config{Store: store, Editor: o.editor, ReadOnly: o.readOnly, Keys: o.keys, Styles: st}
	if o.engine != nil {
		bc.Engine = o.engine
	}
	m.bp = breakpoint.New(m, bc)
	if o.filter != "" {
		if f, err := filter.Parse(o.filter); err == nil {
			m.filterExpr, m.filter = o.filter, f
		} else {
			m.status.text = err.Error()
		}
	}
	m.setQuery()
	return m
}

// Init starts watching the store, the event log and the rules engine, and
// draws the list.
func (m *Model) Init() tea.Cmd {
	var events, engine <-chan struct{}
	if m.opts.events != nil {
		events = m.opts.events.Changed()
	}
	if m.opts.engine != nil {
		engine = m.opts.engine.Changed()
	}
	return tea.Batch(
		m.refresh.request(m.ctx, m.view, true),
		waitSignal(m.ctx, m.store.Changed(), storeChangedMsg{}),
		waitSignal(m.ctx, events, eventsChangedMsg{}),
		waitSignal(m.ctx, engine, engineChangedMsg{}),
	)
}

// engineChangedMsg says the rules engine's paused flows or rules changed.
type engineChangedMsg struct{}

// Update routes a message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		return m, nil
	case storeChangedMsg:
		// The wait is re-armed when this refresh is done, not now: under
		// load the store signals thousands of times a second, and each
		// message would cost a frame.
		return m, m.refresh.request(m.ctx, m.view, false)
	case refreshedMsg:
		return m, m.refreshed(msg)
	case eventsChangedMsg:
		if m.page == pageEvents {
			m.showEvents(true)
		}
		var cmd tea.Cmd
		if m.opts.engine != nil {
			cmd = m.engineChanged() // a rules file that failed to reload is logged
		}
		return m, tea.Batch(cmd, waitSignal(m.ctx, m.opts.events.Changed(), msg))
	case engineChangedMsg:
		return m, tea.Batch(m.engineChanged(), waitSignal(m.ctx, m.opts.engine.Changed(), msg))
	case prompt.Status:
		return m, m.say(msg.Text)
	case expireMsg:
		if msg.serial == m.status.serial {
			m.status.text = ""
		}
		return m, nil
	case tea.KeyMsg:
		return m, m.key(msg)
	case tea.MouseMsg:
		return m, m.mouse(msg)
	}
	// The rest goes to whoever awaits it: bodies loaded and rendered, the
	// spinner, edits, replay plans, the input's cursor blink.
	var cmd tea.Cmd
	m.flow, cmd = m.flow.Update(msg)
	cmds := []tea.Cmd{cmd, m.export.Update(msg), m.bp.Update(msg)}
	if m.prompt != nil {
		p, cmd := m.prompt.Update(msg)
		m.prompt = &p
		cmds = append(cmds, cmd)
	}
	return m, tea.Batch(cmds...)
}

func (m *Model) resize(w, h int) {
	m.width, m.height = w, h
	body := max(h-2, 1)
	m.list.SetSize(w, body)
	m.flow.SetSize(w, body)
	m.pager.SetSize(w, max(body-1, 1))
	if m.rules != nil {
		m.rules.SetSize(w, body)
	}
	if m.prompt != nil {
		m.prompt.SetWidth(w)
	}
	m.export.SetWidth(w)
}

// refreshed takes in a view refresh and keeps an open, unfinished flow
// up to date.
func (m *Model) refreshed(msg refreshedMsg) tea.Cmd {
	var cmds []tea.Cmd
	if msg.err == nil {
		m.list.Sync(msg.stats)
		if m.page == pageFlow && msg.stats.Changed {
			cmds = append(cmds, m.flow.Reload())
		}
		if m.page == pageRules {
			m.rules.Refresh() // hit counts
		}
	}
	next := m.refresh.done(m.ctx, m.view, msg.at)
	if next == nil {
		// Idle again: wait for the next change (a change made during the
		// refresh is still in the channel and wakes it at once).
		next = waitSignal(m.ctx, m.store.Changed(), storeChangedMsg{})
	}
	return tea.Batch(append(cmds, next)...)
}

// key routes a key: to an open prompt, else global keys, else the page.
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
	case pageList:
		return m.listKey(msg)
	case pageFlow:
		return m.flowKey(msg)
	case pageRules:
		if b, ok := m.keys.Lookup(keymap.ScopeRules, msg); ok && b.Action == keymap.ActBack {
			m.page = m.rulesBack
			return nil
		}
		return m.rules.Key(msg)
	default:
		if b, ok := m.keys.Lookup(keymap.ScopePager, msg); ok && b.Action == keymap.ActBack {
			m.page = m.back
			return nil
		}
		m.pager, _ = m.pager.Update(msg)
	}
	return nil
}

func (m *Model) mouse(msg tea.MouseMsg) tea.Cmd {
	var cmd tea.Cmd
	switch m.page {
	case pageList:
		m.list, cmd = m.list.Update(msg)
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

// engineChanged takes in a change of the paused flows or the rules, and
// says when a rules file fails to reload or is fixed.
func (m *Model) engineChanged() tea.Cmd {
	m.bp.EngineChanged()
	return m.rules.EngineChanged(m.page == pageRules)
}

// openRules shows the rules view; n there adds a rule from focus.
func (m *Model) openRules(focus *session.Flow) tea.Cmd {
	if m.rules == nil {
		return m.say(keymap.NoProxy)
	}
	if m.page == pageRules {
		return nil
	}
	m.rulesBack = m.page
	if m.page == pageHelp || m.page == pageEvents {
		m.rulesBack = m.back
	}
	m.page = pageRules
	m.rules.Open(focus)
	return nil
}

func (m *Model) openPager(p page) {
	if m.page != pageHelp && m.page != pageEvents {
		m.back = m.page
	}
	m.page = p
}

func (m *Model) showEvents(keepOffset bool) {
	var events []Event
	total := 0
	if m.opts.events != nil {
		events, total = m.opts.events.Events()
	}
	m.pager.SetLines(eventLines(events, total, m.st, m.opts.loc), keepOffset)
}

// quit stops watching, saves the session's pending flows, and ends the
// program.
func (m *Model) quit() tea.Cmd {
	m.stop()
	m.flow.Close()
	store := m.store
	return tea.Sequence(func() tea.Msg {
		if err := store.Flush(); err != nil {
			return prompt.Status{Text: err.Error()}
		}
		return nil
	}, tea.Quit)
}

// say shows a message in the status bar for a while.
func (m *Model) say(text string) tea.Cmd {
	ttl := m.opts.msgTTL
	return m.status.set(text, func() tea.Cmd {
		serial := m.status.serial
		return tea.Tick(ttl, func(time.Time) tea.Msg { return expireMsg{serial} })
	})
}

// View draws the current page, the status bar and the hint bar.
func (m *Model) View() string {
	if m.width == 0 {
		return ""
	}
	var b strings.Builder
	switch m.page {
	case pageList:
		b.WriteString(m.list.View())
	case pageFlow:
		b.WriteString(m.flow.View())
	case pageHelp, pageEvents:
		title := "help"
		if m.page == pageEvents {
			title = "event log"
		}
		b.WriteString(style.Cell(m.st.Title.Render(title)+"  "+m.st.Muted.Render(m.pager.Position()), m.width) + "\n")
		b.WriteString(m.pager.View())
	case pageRules:
		b.WriteString(m.rules.View())
	}
	b.WriteByte('\n')
	if m.prompt != nil {
		b.WriteString(m.prompt.View())
	} else {
		b.WriteString(m.statusLine() + "\n" + m.hints())
	}
	return m.export.View(b.String())
}
