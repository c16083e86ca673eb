// Package ui is siphon's terminal user interface, a Bubble Tea program: a
// live, virtualised flow list over a session.Store, a flow inspector with
// decoded and formatted bodies, filtering, sorting, marks, comments, an
// event log and a help screen built from the key table; with a proxy, it
// also pauses, edits and answers flows and WebSocket messages at
// breakpoints (intercept.Engine), sends messages of the user's own, lists
// and adds rules, replays flows (replay.Sender) and exports them.
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
	"github.com/siphonproxy/siphon/ui/watch"
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

// pages name each page for State, the key table scope whose keys its
// hint bar shows, and the global key that opens it (none for the list and
// the flow view, which open each other).
var pages = [numPages]struct {
	name  string
	scope keymap.Scope
	key   keymap.Action
}{
	pageList: {"list", keymap.ScopeList, ""}, pageFlow: {"flow", keymap.ScopeFlow, ""},
	pageHelp: {"help", keymap.ScopePager, keymap.ActHelp}, pageEvents: {"events", keymap.ScopePager, keymap.ActEvents},
	pageRules: {"rules", keymap.ScopeRules, keymap.ActRules}, pageConnect: {"connect", keymap.ScopeConnect, keymap.ActConnect},
}

// screen is what the root asks of a page.
type screen interface {
	SetSize(width, height int)
	// Update takes keys (on the rules and pager pages), the mouse, and
	// the page's own messages.
	Update(msg tea.Msg) tea.Cmd
	View() string
}

// opener is a page that readies itself when its global key opens it:
// focus is the flow the keys acted on, again says it was open already.
type opener interface {
	Opened(focus *session.Flow, again bool)
}

// Model is the root of the UI. Create it with New; it is a tea.Model.
type Model struct {
	view *session.View
	opts options
	keys keymap.Map
	st   style.Styles
	ctx  context.Context
	stop context.CancelFunc

	width   int
	page    page
	ret     [numPages]page   // where each page returns to on back
	screens [numPages]screen // nil for a page this UI lacks (rules without a proxy)
	list    *flowlist.Model
	flow    *flowview.Model
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
	m := &Model{view: store.NewView(), opts: o, keys: o.keys, st: st, ctx: ctx, stop: stop,
		line: prompt.NewLine(o.keys, st, o.msgTTL)}
	m.list = flowlist.New(ctx, m.line, flowlist.Config{View: m.view, Store: store, Loading: store.LoadState, Interval: o.interval,
		Keys: o.keys, Styles: st, Location: o.loc, Listen: o.listen, Listeners: o.others, CAPath: o.caPath, File: store.Path(), ReadOnly: o.readOnly, ProxyUser: o.proxyUser()})
	m.flow = flowview.New(m.line, store.Get, o.keys, st, o.loc, flowview.WithMessages(store), flowview.WithProtoTypes(o.types),
		flowview.WithAllListeners(o.severalListeners()))
	m.list.SetProtoTypes(o.types)
	help := pager.NewHelp(o.keys, st, func(b keymap.Binding) string { return keymap.HelpNote(b, o.readOnly) })
	m.events = eventlog.NewScreen(o.events, o.keys, st, o.loc)
	m.screens = [numPages]screen{pageList: m.list, pageFlow: m.flow, pageHelp: help, pageEvents: m.events}
	xc := export.Config{Store: store, Clip: o.clip, Keys: o.keys, Styles: st}
	bc := breakpoint.Config{Store: store, Editor: o.editor, ReadOnly: o.readOnly, Keys: o.keys, Styles: st,
		Messages: o.messageEngine(), Injector: o.injector, Selected: m.flow.PausedSelection}
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
		cmds = append(cmds, watch.Signal(m.ctx, e.Changed(), eventsChangedMsg{}))
	}
	if c := m.opts.engineChanges(); c != nil {
		cmds = append(cmds, watch.Signal(m.ctx, c, engineChangedMsg{}))
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
		var cmd tea.Cmd
		switch {
		case msg.Err != nil:
		case m.page == pageFlow:
			cmd = m.flow.Refreshed(msg.Stats.Changed) // an open, unfinished flow; messages
		case m.page == pageRules:
			m.rules.Refresh() // hit counts
		}
		return m, tea.Batch(cmd, m.list.Refreshed(msg))
	case eventsChangedMsg:
		if m.page == pageEvents {
			m.events.Show(true)
		}
		// A rules file that failed to reload is logged.
		return m, tea.Batch(m.engineChanged(), watch.Signal(m.ctx, m.opts.events.Changed(), msg))
	case engineChangedMsg:
		return m, tea.Batch(m.engineChanged(), watch.Signal(m.ctx, m.opts.engineChanges(), msg))
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

// engineChanged takes in a change of the paused flows and messages or
// the rules, and says when a rules file fails to reload or is fixed.
func (m *Model) engineChanged() tea.Cmd {
	return tea.Batch(m.bp.EngineChanged(), m.rules.EngineChanged(m.page == pageRules))
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
	return tea.Sequence(m.list.Flush(), tea.Quit)
}

// eventsChangedMsg says the event log has new events.
type eventsChangedMsg struct{}

// engineChangedMsg says the rules engine's paused flows or rules changed.
type engineChangedMsg struct{}
