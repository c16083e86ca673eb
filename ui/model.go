// Package ui is siphon's terminal user interface, a Bubble Tea program: a
// live, virtualised flow list over a session.Store, a flow inspector with
// decoded and formatted bodies, filtering, sorting, marks, comments, an
// event log and a help screen built from the key table; with a proxy, it
// also pauses, edits and answers flows at breakpoints (intercept.Engine),
// lists and adds rules, replays flows (replay.Sender) and exports them to
// the clipboard or files.
//
// The root Model only routes: window sizes to every component, keys to the
// focused one, global keys to itself. Each feature lives in a package of
// its own (ui/flowlist, ui/flowview, ui/breakpoint, ui/rules, ui/export)
// and reaches the root only through prompt.Host. Flows reach the list
// through the store's change signal, awaited by a re-arming command;
// nothing outside the program ever calls Program.Send.
package ui

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/breakpoint"
	"github.com/siphonproxy/siphon/ui/connect"
	"github.com/siphonproxy/siphon/ui/eventlog"
	"github.com/siphonproxy/siphon/ui/export"
	"github.com/siphonproxy/siphon/ui/flowlist"
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
	pageConnect
	numPages
)

// pages name each page for State, and the key table scope whose keys its
// hint bar shows.
var pages = [numPages]struct {
	name  string
	scope keymap.Scope
}{
	pageList: {"list", keymap.ScopeList}, pageFlow: {"flow", keymap.ScopeFlow},
	pageHelp: {"help", keymap.ScopePager}, pageEvents: {"events", keymap.ScopePager},
	pageRules: {"rules", keymap.ScopeRules}, pageConnect: {"connect", keymap.ScopeConnect},
}

// screen is what the root asks of a page.
type screen interface {
	SetSize(width, height int)
	// Update takes keys (on the rules and pager pages), the mouse, and
	// the page's own messages.
	Update(msg tea.Msg) tea.Cmd
	View() string
}

// Model is the root of the UI. Create it with New; it is a tea.Model.
type Model struct {
	store *session.Store
	view  *session.View
	opts  options
	keys  keymap.Map
	st    style.Styles
	ctx   context.Context
	stop  context.CancelFunc

	width   int
	page    page
	ret     [numPages]page   // where each page returns to on back
	screens [numPages]screen // nil for a page this UI lacks (rules without a proxy)
	list    *flowlist.Model
	flow    *flowview.Model
	help    *pager.Screen
	events  *eventlog.Screen
	rules   *rules.Model // nil without a rules engine
	bp      *breakpoint.Model
	export  *export.Model
	connect *connect.Model // nil without a proxy
	line    *prompt.Line   // the status bar's message and the prompt: the features' Host
}

// New returns the UI over store. An invalid WithFilter expression is
// ignored with a message in the status bar.
func New(store *session.Store, opts ...Option) *Model {
	o := buildOptions(opts)
	st := style.NewStyles(o.theme)
	ctx, stop := context.WithCancel(context.Background())
	m := &Model{store: store, view: store.NewView(), opts: o, keys: o.keys, st: st, ctx: ctx, stop: stop,
		line: prompt.NewLine(o.keys, st, o.msgTTL)}
	m.list = flowlist.New(ctx, m.line, flowlist.Config{View: m.view, Store: store, Interval: o.interval,
		Keys: o.keys, Styles: st, Location: o.loc, Listen: o.listen, CAPath: o.caPath, File: store.Path(), ReadOnly: o.readOnly})
	m.flow = flowview.New(m.line, store.Get, o.keys, st, o.loc, flowview.WithMessages(store))
	m.list.SetProtoTypes(o.types)
	m.flow.SetProtoTypes(o.types)
	m.help, m.events = pager.NewScreen("help", o.keys, st), eventlog.NewScreen(o.events, o.keys, st, o.loc)
	m.screens = [numPages]screen{pageList: m.list, pageFlow: m.flow, pageHelp: m.help, pageEvents: m.events}
	xc := export.Config{Store: store, Clip: o.clip, Keys: o.keys, Styles: st}
	bc := breakpoint.Config{Store: store, Editor: o.editor, ReadOnly: o.readOnly, Keys: o.keys, Styles: st}
	// A nil *replay.Sender or *intercept.Engine in an interface would not
	// be nil: the features test their interfaces for nil.
	if o.sender != nil {
		xc.Sender = export.ReplaySender(o.sender)
	}
	if o.engine != nil {
		bc.Engine = o.engine
		m.rules = rules.New(m.line, o.engine, o.keys, st)
		m.screens[pageRules] = m.rules
	}
	m.export = export.New(ctx, m.line, xc)
	if c := o.connect; c != nil {
		c.Keys, c.Styles = o.keys, st
		m.connect = connect.New(m.line, *c)
		m.screens[pageConnect] = m.connect
	}
	m.bp = breakpoint.New(m.line, bc)
	if o.filter != "" {
		if err := m.list.StartFilter(o.filter); err != nil {
			m.line.SetMessage(err.Error())
		}
	}
	return m
}

// Init starts watching the store, the event log and the rules engine, and
// draws the list.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.list.Init()}
	if e := m.opts.events; e != nil {
		cmds = append(cmds, waitSignal(m.ctx, e.Changed(), eventsChangedMsg{}))
	}
	if e := m.opts.engine; e != nil {
		cmds = append(cmds, waitSignal(m.ctx, e.Changed(), engineChangedMsg{}))
	}
	return tea.Batch(cmds...)
}

// Update routes a message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		return m, nil
	case flowlist.RefreshedMsg:
		var cmds []tea.Cmd
		if msg.Err == nil && m.page == pageFlow && msg.Stats.Changed {
			cmds = append(cmds, m.flow.Reload()) // an open, unfinished flow
		}
		if msg.Err == nil && m.page == pageFlow {
			cmds = append(cmds, m.flow.StoreChanged()) // messages, which change no flow
		}
		if msg.Err == nil && m.page == pageRules {
			m.rules.Refresh() // hit counts
		}
		return m, tea.Batch(append(cmds, m.list.Refreshed(msg))...)
	case eventsChangedMsg:
		if m.page == pageEvents {
			m.events.Show(true)
		}
		var cmd tea.Cmd
		if m.opts.engine != nil {
			cmd = m.engineChanged() // a rules file that failed to reload is logged
		}
		return m, tea.Batch(cmd, waitSignal(m.ctx, m.opts.events.Changed(), msg))
	case engineChangedMsg:
		return m, tea.Batch(m.engineChanged(), waitSignal(m.ctx, m.opts.engine.Changed(), msg))
	case tea.KeyMsg:
		return m, m.key(msg)
	case tea.MouseMsg:
		return m, m.screens[m.page].Update(msg)
	}
	// The rest goes to whoever awaits it: the store's signal, bodies
	// loaded and rendered, the spinner, edits, replay plans, the input's
	// cursor blink, status messages.
	return m, tea.Batch(m.flow.Update(msg), m.list.Update(msg), m.export.Update(msg), m.bp.Update(msg), m.line.Update(msg))
}

func (m *Model) resize(w, h int) {
	m.width = w
	body := max(h-2, 1)
	for _, s := range m.screens {
		if s != nil {
			s.SetSize(w, body)
		}
	}
	m.line.SetWidth(w)
	m.export.SetWidth(w)
}

// engineChanged takes in a change of the paused flows or the rules, and
// says when a rules file fails to reload or is fixed.
func (m *Model) engineChanged() tea.Cmd {
	m.bp.EngineChanged()
	return m.rules.EngineChanged(m.page == pageRules)
}

// View draws the current page, the status bar and the hint bar.
func (m *Model) View() string {
	if m.width == 0 {
		return ""
	}
	return m.export.View(m.screens[m.page].View() + "\n" + m.line.View(m.statusLine, m.hints))
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

// eventsChangedMsg says the event log has new events.
type eventsChangedMsg struct{}

// engineChangedMsg says the rules engine's paused flows or rules changed.
type engineChangedMsg struct{}

// waitSignal waits, off the event loop, for a value on ch (the event
// log's or the engine's coalescing change signal) and reports it as msg.
// The UI re-arms it after each signal, so proxy goroutines never call
// Program.Send and never wait for the UI.
func waitSignal(ctx context.Context, ch <-chan struct{}, msg tea.Msg) tea.Cmd {
	return func() tea.Msg {
		select {
		case <-ch:
			return msg
		case <-ctx.Done():
			return nil
		}
	}
}
