// Package flowlist is the flow list: a virtualised list over a
// session.View that draws only the rows on screen, kept up to date with
// the store by a re-arming command, with its filter, order, marks,
// comments and the list's part of the status bar.
package flowlist

import (
	"context"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/siphonproxy/siphon/filter"
	"github.com/siphonproxy/siphon/grpcmsg"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/prompt"
	"github.com/siphonproxy/siphon/ui/style"
	"github.com/siphonproxy/siphon/ui/wsintercept"
)

// Store is what the list changes in the session (*session.Store).
type Store interface {
	Delete(ids ...string) error
	Clear() error
	// Update saves a changed flow (a mark, a comment).
	Update(f *session.Flow) error
	// Changed receives a value after flows changed; signals coalesce.
	Changed() <-chan struct{}
	// Flush saves the flows not yet written.
	Flush() error
}

// Config is what the list needs.
type Config struct {
	View  *session.View // the flows listed, filtered and sorted
	Store Store
	// Loading says how far the store's flows are loaded (Store.LoadState);
	// nil for a store loaded in full.
	Loading  func() session.LoadState
	Interval time.Duration // how often, at most, the view is refreshed
	Keys     keymap.Map
	Styles   style.Styles
	Location *time.Location // of the times shown
	// Listen, CAPath and ReadOnly say what the empty list and the status
	// bar show; File is the session's file.
	Listen, CAPath, File string
	ReadOnly             bool
	// Listeners name the proxy's other listeners, as their flows record
	// them ("socks5@1080"): the status bar lists them after Listen.
	Listeners []string
	// ProxyUser is the --proxy-auth user name, "" without credentials:
	// the empty list's example commands carry it.
	ProxyUser string
}

// Model is the virtualised list of flows: it holds a session.View and
// builds only the rows on screen, so a frame costs the same with 100 flows
// as with 100,000. The cursor stays on the flow the user put it on as flows
// arrive, unless following the newest. It keeps the view up to date with
// the store, and owns the view's filter, marked-only switch and order.
type Model struct {
	ctx     context.Context
	host    prompt.Host
	store   Store
	view    *session.View
	keys    keymap.Map
	st      style.Styles
	loc     *time.Location
	refresh refresher
	cols    columns
	width   int
	rows    int // visible rows, without the header

	cursor   int
	offset   int    // position of the first visible row
	cursorID string // the flow under the cursor, to find it again
	window   []*session.Flow
	shown    int
	total    int
	load     session.LoadState // as of the last refresh
	stale    bool              // the rows are those of a query since changed
	follow   bool
	intro    intro
	file     string // the session's file
	// listeners name the proxy's listeners besides intro.listen.
	listeners []string

	filterExpr string
	filter     *filter.Filter
	types      *grpcmsg.Types // gRPC message types filters match with
	markedOnly bool
	sortKey    session.SortKey
	reverse    bool

	// held counts the WebSocket messages paused at breakpoints by flow:
	// their rows are marked as paused flows' are.
	held map[string]int
}

// New returns the list over cfg.View; ctx ends its refreshes.
func New(ctx context.Context, host prompt.Host, cfg Config) *Model {
	l := &Model{ctx: ctx, host: host, store: cfg.Store, view: cfg.View, keys: cfg.Keys, st: cfg.Styles,
		loc: cfg.Location, refresh: refresher{interval: cfg.Interval, loading: cfg.Loading}, load: session.LoadState{Done: true},
		intro: intro{listen: cfg.Listen, caPath: cfg.CAPath, user: cfg.ProxyUser, readOnly: cfg.ReadOnly}, file: cfg.File, listeners: cfg.Listeners}
	l.setQuery()
	return l
}

// SetProtoTypes sets the gRPC message types (siphon --proto) the filters
// the list applies from then on match messages' JSON with: ~b "user_id".
func (l *Model) SetProtoTypes(t *grpcmsg.Types) { l.types = t }

// SetSize sets the list's area, header included.
func (l *Model) SetSize(width, height int) {
	l.width, l.rows = width, max(height-1, 1)
	l.cols = layoutColumns(width, l.seqWidth())
	l.clamp()
	l.fetch()
}

func (l *Model) seqWidth() int {
	return len(strconv.Itoa(max(l.total, 999)))
}

// sync takes in a refreshed view: it finds the cursor's flow again (or the
// newest, when following) and fetches the visible window.
func (l *Model) sync(st session.ViewStats) {
	l.shown, l.total = st.Shown, st.Total
	if w := l.seqWidth(); w != l.cols.seq && l.width > 0 {
		l.cols = layoutColumns(l.width, w)
	}
	switch {
	case l.follow:
		l.cursor = max(l.view.Newest(), 0)
	case l.cursorID != "":
		// Usually the flow is where it was; look further only if not.
		if w := l.view.Window(l.cursor, 1); len(w) == 0 || w[0].ID != l.cursorID {
			if i := l.view.Index(l.cursorID); i >= 0 {
				l.offset += i - l.cursor // keep the row where it was on screen
				l.cursor = i
			}
		}
	}
	l.clamp()
	l.fetch()
}

// clamp keeps the cursor on a row and the row on screen.
func (l *Model) clamp() {
	l.cursor = min(max(l.cursor, 0), max(l.shown-1, 0))
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+l.rows {
		l.offset = l.cursor - l.rows + 1
	}
	l.offset = min(max(l.offset, 0), max(l.shown-l.rows, 0))
}

// fetch reads the visible window from the view.
func (l *Model) fetch() {
	l.window = l.view.Window(l.offset, l.rows)
	l.cursorID = ""
	if i := l.cursor - l.offset; i >= 0 && i < len(l.window) {
		l.cursorID = l.window[i].ID
	}
}

// Move puts the cursor at position i (clamped) and stops following.
func (l *Model) Move(i int) {
	l.follow = false
	l.cursor = i
	l.clamp()
	l.fetch()
}

// Selected returns the flow under the cursor (a read-only snapshot), or nil.
func (l *Model) Selected() *session.Flow {
	if i := l.cursor - l.offset; i >= 0 && i < len(l.window) {
		return l.window[i]
	}
	return nil
}

// Follow reports whether the cursor follows the newest flow.
func (l *Model) Follow() bool { return l.follow }

// SetFollow turns following the newest flow on or off.
func (l *Model) SetFollow(on bool) {
	l.follow = on
	if on {
		l.cursor = max(l.view.Newest(), 0)
		l.clamp()
		l.fetch()
	}
}

// Update handles the list's movement keys, the mouse and the store's
// change signal.
func (l *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case wsintercept.PausedMsg:
		l.held = map[string]int{}
		for _, p := range msg.Messages {
			l.held[p.FlowID]++
		}
	case changedMsg:
		// The view is refreshed once the refresh in flight is done. The
		// wait is re-armed when that refresh ends, not now: under load the
		// store signals thousands of times a second, and each message
		// would cost a frame.
		return l.refresh.request(l.ctx, l.view, false)
	case tea.KeyMsg:
		b, ok := l.keys.Lookup(keymap.ScopeList, msg)
		if !ok {
			return nil
		}
		switch b.Action {
		case keymap.ActUp:
			l.Move(l.cursor - 1)
		case keymap.ActDown:
			l.Move(l.cursor + 1)
		case keymap.ActPageUp:
			l.Move(l.cursor - l.rows)
		case keymap.ActPageDown:
			l.Move(l.cursor + l.rows)
		case keymap.ActTop:
			l.Move(0)
		case keymap.ActBottom:
			l.Move(l.shown - 1)
		}
	case tea.MouseMsg:
		switch {
		case msg.Button == tea.MouseButtonWheelUp:
			l.Move(l.cursor - 3)
		case msg.Button == tea.MouseButtonWheelDown:
			l.Move(l.cursor + 3)
		case msg.Button == tea.MouseButtonLeft && msg.Action == tea.MouseActionPress && msg.Y >= 1 && msg.Y <= l.rows:
			l.Move(l.offset + msg.Y - 1)
		}
	}
	return nil
}

// View draws the header and the visible rows, exactly rows+1 lines.
func (l *Model) View() string {
	var b strings.Builder
	b.WriteString(l.fit(l.cols.header(l.st, l.sortKey, l.reverse)))
	for i := range l.rows {
		b.WriteByte('\n')
		if i >= len(l.window) {
			if l.shown == 0 {
				if empty := l.emptyLines(); i < len(empty) {
					b.WriteString(ansi.Truncate(empty[i], l.width, ""))
				}
			}
			continue
		}
		f := l.window[i]
		cells := flowCells(f, l.loc)
		if l.held[f.ID] > 0 {
			cells.marker = "⏸"
		}
		b.WriteString(l.fit(l.cols.render(cells, f, l.st, l.offset+i == l.cursor, l.width)))
	}
	return b.String()
}

// fit cuts a line at the list's width when the terminal is too narrow for
// the columns; otherwise lines fit already.
func (l *Model) fit(line string) string {
	if !l.cols.cut {
		return line
	}
	return ansi.Truncate(line, l.width, "")
}

// emptyLines is what the list shows with no rows.
func (l *Model) emptyLines() []string {
	if l.total > 0 {
		return []string{l.st.Muted.Render("  no flow matches the filter")}
	}
	return l.intro.lines(l.st, l.width)
}
