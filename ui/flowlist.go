package ui

import (
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/style"
)

// FlowList is the virtualised list of flows: it holds a session.View and
// builds only the rows on screen, so a frame costs the same with 100 flows
// as with 100,000. The cursor stays on the flow the user put it on as flows
// arrive, unless following the newest.
type FlowList struct {
	view  *session.View
	keys  keymap.Map
	st    style.Styles
	loc   *time.Location
	cols  columns
	width int
	rows  int // visible rows, without the header

	cursor   int
	offset   int    // position of the first visible row
	cursorID string // the flow under the cursor, to find it again
	window   []*session.Flow
	shown    int
	total    int
	follow   bool
	sortKey  session.SortKey
	reverse  bool
	intro    intro
}

// NewFlowList returns a list over view.
func NewFlowList(view *session.View, keys keymap.Map, st style.Styles, loc *time.Location) FlowList {
	return FlowList{view: view, keys: keys, st: st, loc: loc}
}

// SetSize sets the list's area, header included.
func (l *FlowList) SetSize(width, height int) {
	l.width, l.rows = width, max(height-1, 1)
	l.cols = layoutColumns(width, l.seqWidth())
	l.clamp()
	l.fetch()
}

func (l *FlowList) seqWidth() int {
	return len(strconv.Itoa(max(l.total, 999)))
}

// Sync takes in a refreshed view: it finds the cursor's flow again (or the
// newest, when following) and fetches the visible window.
func (l *FlowList) Sync(st session.ViewStats) {
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
func (l *FlowList) clamp() {
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
func (l *FlowList) fetch() {
	l.window = l.view.Window(l.offset, l.rows)
	l.cursorID = ""
	if i := l.cursor - l.offset; i >= 0 && i < len(l.window) {
		l.cursorID = l.window[i].ID
	}
}

// move puts the cursor at position i (clamped) and stops following.
func (l *FlowList) move(i int) {
	l.follow = false
	l.cursor = i
	l.clamp()
	l.fetch()
}

// Selected returns the flow under the cursor (a read-only snapshot), or nil.
func (l FlowList) Selected() *session.Flow {
	if i := l.cursor - l.offset; i >= 0 && i < len(l.window) {
		return l.window[i]
	}
	return nil
}

// SetOrder records the order the view was given, for the header.
func (l *FlowList) SetOrder(key session.SortKey, reverse bool) {
	l.sortKey, l.reverse = key, reverse
}

// Follow reports whether the cursor follows the newest flow.
func (l FlowList) Follow() bool { return l.follow }

// SetFollow turns following the newest flow on or off.
func (l *FlowList) SetFollow(on bool) {
	l.follow = on
	if on {
		l.cursor = max(l.view.Newest(), 0)
		l.clamp()
		l.fetch()
	}
}

// Update handles the list's movement keys and the mouse.
func (l FlowList) Update(msg tea.Msg) (FlowList, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		b, ok := l.keys.Lookup(keymap.ScopeList, msg)
		if !ok {
			return l, nil
		}
		switch b.Action {
		case keymap.ActUp:
			l.move(l.cursor - 1)
		case keymap.ActDown:
			l.move(l.cursor + 1)
		case keymap.ActPageUp:
			l.move(l.cursor - l.rows)
		case keymap.ActPageDown:
			l.move(l.cursor + l.rows)
		case keymap.ActTop:
			l.move(0)
		case keymap.ActBottom:
			l.move(l.shown - 1)
		}
	case tea.MouseMsg:
		switch {
		case msg.Button == tea.MouseButtonWheelUp:
			l.move(l.cursor - 3)
		case msg.Button == tea.MouseButtonWheelDown:
			l.move(l.cursor + 3)
		case msg.Button == tea.MouseButtonLeft && msg.Action == tea.MouseActionPress && msg.Y >= 1 && msg.Y <= l.rows:
			l.move(l.offset + msg.Y - 1)
		}
	}
	return l, nil
}

// View draws the header and the visible rows, exactly rows+1 lines.
func (l FlowList) View() string {
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
		b.WriteString(l.fit(l.cols.render(flowCells(f, l.loc), f, l.st, l.offset+i == l.cursor, l.width)))
	}
	return b.String()
}

// fit cuts a line at the list's width when the terminal is too narrow for
// the columns; otherwise lines fit already.
func (l FlowList) fit(line string) string {
	if !l.cols.cut {
		return line
	}
	return ansi.Truncate(line, l.width, "")
}

// SetIntro says what the list shows while the session has no flows: how
// to point a client at the proxy listening on listen, and where its CA
// certificate is (caPath, or "" when unknown); or, read only, only that
// the session is empty.
func (l *FlowList) SetIntro(listen, caPath string, readOnly bool) {
	l.intro = intro{listen: listen, caPath: caPath, readOnly: readOnly}
}

// emptyLines is what the list shows with no rows.
func (l FlowList) emptyLines() []string {
	if l.total > 0 {
		return []string{l.st.Muted.Render("  no flow matches the filter")}
	}
	return l.intro.lines(l.st, l.width)
}
