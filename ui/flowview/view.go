// Package flowview inspects one flow in tabs (Request, Response,
// Details; Messages for a WebSocket, Events for an event stream, gRPC for
// a gRPC call): headers and trailers, bodies decoded and formatted off the
// event loop in three view modes, gRPC messages decoded the same way,
// timings, messages and events as they arrive, and search within a tab.
// Its tabs are one table (tabs.go), so a new tab is a change to this
// package only.
package flowview

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/siphonproxy/siphon/grpcmsg"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/pager"
	"github.com/siphonproxy/siphon/ui/prompt"
	"github.com/siphonproxy/siphon/ui/style"
	"github.com/siphonproxy/siphon/ui/wsintercept"
)

// flowLoadedMsg carries a flow read from the store with its bodies.
type flowLoadedMsg struct {
	id   string
	flow *session.Flow
	err  error
}

// bodyRenderedMsg carries the lines of one body, rendered off the event
// loop; gen tells stale renders (of another flow or mode) apart.
type bodyRenderedMsg struct {
	gen, part int
	lines     []string
}

// Model inspects one flow in tabs: Request, Response, Details, and
// Messages, Events or gRPC for the flows that have them. Bodies and
// messages are loaded, decoded and formatted by commands, never on the
// event loop; until they arrive the tab shows what is being done.
type Model struct {
	tabs   []tab
	types  *grpcmsg.Types // gRPC message types (--proto); nil without
	host   prompt.Host
	keys   keymap.Map
	st     style.Styles
	loc    *time.Location
	load   func(id string) (*session.Flow, error)
	width  int
	height int
	// allListeners says the proxy has several listeners (WithAllListeners).
	allListeners bool

	id       string
	flow     *session.Flow // bodies loaded; nil while loading
	loadErr  error
	tab      int
	mode     ViewMode
	original bool               // the Request tab shows the request the client sent
	bodies   [numParts][]string // rendered bodies and tab parts; nil while rendering
	prog     [numParts]*progress
	gen      int
	cancel   context.CancelFunc
	pager    pager.Model
	spin     spinner.Model

	query   string
	matches []int // logical lines of the current tab that contain query
	match   int

	msgs   messagesTab // the Messages tab of a WebSocket flow
	events eventsTab   // the Events tab of an event stream
	// paused are the WebSocket messages held at breakpoints, all flows'.
	paused wsintercept.PausedMsg
	now    func() time.Time
}

// New returns a flow view that reads flows with load (Store.Get).
func New(host prompt.Host, load func(id string) (*session.Flow, error), keys keymap.Map, st style.Styles, loc *time.Location, opts ...Option) *Model {
	v := &Model{tabs: defaultTabs(), host: host, keys: keys, st: st, loc: loc, load: load, pager: pager.New(keys, st), now: time.Now,
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(st.Accent))}
	for _, o := range opts {
		o(v)
	}
	return v
}

// SetProtoTypes sets the gRPC message types (siphon --proto) the gRPC tab
// names fields with; nil renders messages without a schema.
func (v *Model) SetProtoTypes(t *grpcmsg.Types) { v.types = t }

// renderInput is what a render command reads of the view, copied when the
// command starts.
type renderInput struct {
	mode  ViewMode
	st    style.Styles
	types *grpcmsg.Types
}

// SetSize sets the view's area: a title line, the tabs, the pager.
func (v *Model) SetSize(width, height int) {
	v.width, v.height = width, height
	v.pager.SetSize(width, max(height-3, 1))
	v.layout(true)
}

// Open starts showing the flow with the given ID; the command loads it.
func (v *Model) Open(id string) tea.Cmd {
	v.Close()
	v.id, v.flow, v.loadErr = id, nil, nil
	v.query, v.matches = "", nil
	v.original = false
	v.msgs.reset(id)
	v.events.reset(id)
	v.layout(false)
	return tea.Batch(v.loadCmd(), v.spin.Tick)
}

// Close stops the renders in flight.
func (v *Model) Close() {
	if v.cancel != nil {
		v.cancel()
		v.cancel = nil
	}
}

// ID returns the ID of the flow shown.
func (v *Model) ID() string { return v.id }

// Flow returns the flow shown, bodies loaded, or nil while it loads.
func (v *Model) Flow() *session.Flow { return v.flow }

// ToggleOriginal switches the Request tab between the request as sent (or
// as edited for replay) and the one the client sent.
func (v *Model) ToggleOriginal() tea.Cmd {
	v.original = !v.original
	v.SetTab(TabRequest)
	if v.flow == nil {
		return nil
	}
	cmd := v.render()
	v.layout(true)
	return cmd
}

// Original reports whether the Request tab shows the client's request.
func (v *Model) Original() bool { return v.original }

// Reload reads the flow again if it may still change (pending or paused).
func (v *Model) Reload() tea.Cmd {
	if v.flow == nil || v.flow.State == session.Done || v.flow.State == session.Failed {
		return nil
	}
	return v.loadCmd()
}

func (v *Model) loadCmd() tea.Cmd {
	id, load := v.id, v.load
	return func() tea.Msg {
		f, err := load(id)
		return flowLoadedMsg{id: id, flow: f, err: err}
	}
}

// render starts formatting both bodies in the current mode.
func (v *Model) render() tea.Cmd {
	v.Close()
	ctx, cancel := context.WithCancel(context.Background())
	v.cancel = cancel
	v.gen++
	v.bodies = [numParts][]string{}
	var cmds []tea.Cmd
	f := v.flow
	in := renderInput{mode: v.mode, st: v.st, types: v.types}
	for _, t := range v.tabs {
		if t.render == nil || t.part < 0 {
			continue
		}
		if !t.applies(f) {
			v.bodies[t.part] = []string{}
			continue
		}
		p, gen, render := &progress{}, v.gen, t.render
		v.prog[t.part] = p
		cmds = append(cmds, func() tea.Msg {
			return bodyRenderedMsg{gen: gen, part: t.part, lines: render(ctx, f, in, p)}
		})
	}
	for part := range 2 {
		var b session.Body
		var h map[string][]string
		switch {
		case part == 0 && v.original && f.Original != nil:
			b, h = f.Original.Body, f.Original.Header
		case part == 0 && f.Request != nil:
			b, h = f.Request.Body, f.Request.Header
		case part == 1 && f.Response != nil:
			b, h = f.Response.Body, f.Response.Header
		default:
			v.bodies[part] = []string{}
			continue
		}
		p := &progress{}
		v.prog[part] = p
		gen, mode, st := v.gen, v.mode, v.st
		cmds = append(cmds, func() tea.Msg {
			return bodyRenderedMsg{gen: gen, part: part, lines: renderBody(ctx, b, h, mode, st, p)}
		})
	}
	return tea.Batch(append(cmds, v.detailCmd(), v.spin.Tick)...)
}

// busy reports whether something is still being loaded or rendered.
func (v *Model) busy() bool {
	if v.loadErr != nil {
		return false
	}
	if v.flow == nil {
		return true
	}
	for _, t := range v.tabs {
		if t.part >= 0 && t.applies(v.flow) && v.bodies[t.part] == nil {
			return true
		}
	}
	return false
}

// Update handles loading and rendering results, the spinner, and the flow
// view's own keys (tabs, view mode, matches, scrolling).
func (v *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case flowLoadedMsg:
		if msg.id != v.id {
			return nil
		}
		v.flow, v.loadErr = msg.flow, msg.err
		if msg.err != nil {
			v.layout(false)
			return nil
		}
		if !v.tabs[v.tab].applies(v.flow) {
			v.tab = TabRequest // the tab of the last flow shown is not this one's
		}
		cmd := v.render()
		v.layout(true)
		return tea.Batch(cmd, v.StoreChanged(), v.parseEvents(), v.takeHeld())
	case wsintercept.PausedMsg:
		return v.pausedChanged(msg)
	case heldTickMsg:
		return v.heldTicked(msg)
	case messagesLoadedMsg:
		return v.messagesLoaded(msg)
	case msgRenderedMsg:
		v.detailRendered(msg)
	case eventsParsedMsg:
		return v.eventsParsed(msg)
	case bodyRenderedMsg:
		if msg.gen != v.gen {
			return nil
		}
		v.bodies[msg.part] = msg.lines
		v.layout(true)
	case spinner.TickMsg:
		if !v.busy() {
			return nil
		}
		var cmd tea.Cmd
		v.spin, cmd = v.spin.Update(msg)
		// Re-wrap only what shows the spinner, not a finished big body.
		if part := v.tabs[v.tab].part; v.flow == nil || (part >= 0 && v.bodies[part] == nil) {
			v.layout(true)
		}
		return cmd
	case tea.KeyMsg:
		if cmd, ok := v.messagesKey(msg); ok {
			return cmd
		}
		if b, ok := v.keys.Lookup(keymap.ScopeFlow, msg); ok {
			return v.act(b.Action)
		}
		v.pager, _ = v.pager.Update(msg)
	case tea.MouseMsg:
		v.pager, _ = v.pager.Update(msg)
	}
	return nil
}

func (v *Model) act(a keymap.Action) tea.Cmd {
	switch a {
	case keymap.ActNextTab:
		v.SetTab(v.step(1))
	case keymap.ActPrevTab:
		v.SetTab(v.step(-1))
	case keymap.ActViewMode:
		v.mode = (v.mode + 1) % numModes
		if v.flow != nil {
			cmd := v.render()
			v.layout(true)
			return cmd
		}
	case keymap.ActSearch:
		return v.host.Ask("search", "", nil, func(q string) tea.Cmd {
			return v.host.Say(style.Count(v.Search(q), "matching line"))
		})
	case keymap.ActOriginal:
		if v.flow != nil && v.flow.Original == nil {
			return v.host.Say(fmt.Sprintf("flow #%d was not edited: its request is the one the client sent", v.flow.Seq))
		}
		return v.ToggleOriginal()
	case keymap.ActNextMatch:
		v.stepMatch(1)
	case keymap.ActPrevMatch:
		v.stepMatch(-1)
	}
	return nil
}

// SetTab switches to tab i.
func (v *Model) SetTab(i int) {
	v.tab = i
	v.layout(false)
	if v.query != "" {
		v.Search(v.query)
	}
}

// Tab returns the current tab.
func (v *Model) Tab() int { return v.tab }

// Mode returns the body view mode.
func (v *Model) Mode() ViewMode { return v.mode }

// layout rebuilds the current tab's lines.
func (v *Model) layout(keepOffset bool) {
	v.pager.SetLines(v.tabLines(), keepOffset)
	if v.query != "" && len(v.matches) > 0 {
		v.pager.Show(v.matches[v.match])
	}
}

func (v *Model) tabLines() []string {
	switch {
	case v.loadErr != nil:
		return []string{v.st.Error.Render(style.Printable("cannot read the flow: " + v.loadErr.Error()))}
	case v.flow == nil:
		return []string{v.spin.View() + " loading the flow…"}
	}
	return v.tabs[v.tab].lines(v, v.flow)
}

func (v *Model) bodyLines(part int) []string {
	if v.bodies[part] != nil {
		return v.bodies[part]
	}
	what := "rendering the body"
	if p := v.prog[part]; p != nil {
		what = p.String()
	}
	return []string{v.spin.View() + " " + what + "…"}
}

// Search highlights the lines of the current tab that contain q (case
// insensitive) and jumps to the first; it returns how many there are.
func (v *Model) Search(q string) int {
	v.query, v.matches, v.match = q, nil, 0
	if q == "" {
		v.pager.Show(-1)
		return 0
	}
	lq := strings.ToLower(q)
	for i, l := range v.pager.Lines() {
		if strings.Contains(strings.ToLower(ansi.Strip(l)), lq) {
			v.matches = append(v.matches, i)
		}
	}
	if len(v.matches) > 0 {
		v.pager.Show(v.matches[0])
	} else {
		v.pager.Show(-1)
	}
	return len(v.matches)
}

func (v *Model) stepMatch(d int) {
	if len(v.matches) == 0 {
		return
	}
	v.match = (v.match + d + len(v.matches)) % len(v.matches)
	v.pager.Show(v.matches[v.match])
}

// MatchInfo describes the search state for the status bar.
func (v *Model) MatchInfo() string {
	if v.query == "" {
		return ""
	}
	if len(v.matches) == 0 {
		return fmt.Sprintf("/%s: no match", style.Printable(v.query))
	}
	return fmt.Sprintf("/%s: %d of %d", style.Printable(v.query), v.match+1, len(v.matches))
}

// View draws the title, the tab bar and the pager, exactly height lines.
func (v *Model) View() string {
	title := v.st.Muted.Render("loading…")
	if v.flow != nil {
		title = v.st.Muted.Render(fmt.Sprintf("#%d ", v.flow.Seq)) + v.breakingNote() + oneLine(v.flow, v.st)
	}
	var names []string
	for i, t := range v.tabs {
		if !t.applies(v.flow) {
			continue
		}
		if i == v.tab {
			// Brackets mark the tab without colour too.
			names = append(names, v.st.ActiveTab.Render("["+t.name+"]"))
		} else {
			names = append(names, v.st.Tab.Render(t.name))
		}
	}
	right := v.st.Muted.Render("view: " + v.mode.String())
	if pos := v.pager.Position(); pos != "" {
		right = v.st.Muted.Render(pos) + "  " + right
	}
	bar := strings.Join(names, " ")
	gap := max(v.width-ansi.StringWidth(bar)-ansi.StringWidth(right), 1)
	return style.Cell(title, v.width) + "\n" + bar + strings.Repeat(" ", gap) + right + "\n" +
		v.st.Muted.Render(strings.Repeat("─", max(v.width, 1))) + "\n" + v.pager.View()
}

// Pager returns the scrolling part of the view (the current tab's lines,
// wrapped, and the search match shown), for tests.
func (v *Model) Pager() pager.Model { return v.pager }
