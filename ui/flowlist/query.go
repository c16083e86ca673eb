package flowlist

import (
	"fmt"
	"path/filepath"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/filter"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/prompt"
	"github.com/siphonproxy/siphon/ui/style"
)

// Key handles a key of the list's own: moving, filter, order, follow,
// marked only, delete and clear. The keys it shares with the flow view
// (mark, comment, replay, export) and those that change page are the
// root's.
func (l *Model) Key(msg tea.KeyMsg, a keymap.Action) tea.Cmd {
	switch a {
	case keymap.ActUp, keymap.ActDown, keymap.ActPageUp, keymap.ActPageDown, keymap.ActTop, keymap.ActBottom:
		return l.Update(msg)
	case keymap.ActFilter:
		return l.host.Ask("filter", l.filterExpr, prompt.CheckFilter, l.SetFilter)
	case keymap.ActSort:
		l.sortKey = l.sortKey.Next()
		return tea.Batch(l.applyQuery(), l.host.Say("sorted by "+l.sortKey.String()))
	case keymap.ActReverse:
		l.reverse = !l.reverse
		return l.applyQuery()
	case keymap.ActFollow:
		l.SetFollow(!l.follow)
		if l.follow {
			return l.host.Say("following the newest flow")
		}
		return l.host.Say("follow off")
	case keymap.ActMarkedOnly:
		l.markedOnly = !l.markedOnly
		return l.applyQuery()
	case keymap.ActClear:
		if l.total == 0 {
			return nil
		}
		return l.host.Confirm(fmt.Sprintf("delete all %s from the session?", style.Count(l.total, "flow")), l.clear)
	case keymap.ActDelete:
		if sel := l.Selected(); sel != nil {
			if err := l.store.Delete(sel.ID); err != nil {
				return l.host.Say(err.Error())
			}
			return l.host.Say(fmt.Sprintf("deleted flow #%d", sel.Seq))
		}
	}
	return nil
}

// clear deletes every flow of the session.
func (l *Model) clear() tea.Cmd {
	if err := l.store.Clear(); err != nil {
		return l.host.Say(err.Error())
	}
	return l.host.Say("cleared the session")
}

// SetFilter applies a filter expression ("" for none).
func (l *Model) SetFilter(expr string) tea.Cmd {
	f, err := filter.ParseWith(expr, filter.Options{Types: l.types})
	if err != nil {
		return l.host.Say(err.Error())
	}
	l.filterExpr, l.filter = expr, f
	if expr == "" {
		l.filter = nil
		return tea.Batch(l.applyQuery(), l.host.Say("filter cleared"))
	}
	return l.applyQuery()
}

// Filter returns the filter expression, "" for none.
func (l *Model) Filter() string { return l.filterExpr }

// MarkedOnly reports whether only marked flows are listed.
func (l *Model) MarkedOnly() bool { return l.markedOnly }

// Order returns the sort key and whether the order is reversed.
func (l *Model) Order() (session.SortKey, bool) { return l.sortKey, l.reverse }

// Counts returns how many flows are listed and how many the session holds.
func (l *Model) Counts() (shown, total int) { return l.shown, l.total }

// applyQuery gives the view the filter, marked-only switch and order, and
// refreshes it at once.
func (l *Model) applyQuery() tea.Cmd {
	l.setQuery()
	// Until a refresh asked for from now on comes back, the rows on
	// screen are the old query's: the status bar says so.
	l.refresh.query++
	l.stale = true
	return l.refresh.request(l.ctx, l.view, true)
}

func (l *Model) setQuery() {
	l.view.SetMatcher(l.Matcher())
	l.view.SetOrder(l.sortKey, l.reverse)
}

// Matcher is the filter and the marked-only switch together, as the
// list applies them; nil when every flow is listed.
func (l *Model) Matcher() session.Matcher {
	if l.filter == nil && !l.markedOnly {
		return nil
	}
	return queryMatcher{f: l.filter, markedOnly: l.markedOnly}
}

// queryMatcher is the user's filter and the marked-only switch together.
type queryMatcher struct {
	f          *filter.Filter
	markedOnly bool
}

var (
	_ session.BodyMatcher   = queryMatcher{}
	_ session.HeaderMatcher = queryMatcher{}
	_ session.IDMatcher     = queryMatcher{}
)

func (q queryMatcher) Match(f *session.Flow) bool {
	return (!q.markedOnly || f.Marked) && q.f.Match(f)
}

func (q queryMatcher) NeedsBodies() bool { return q.f.NeedsBodies() }

func (q queryMatcher) NeedsHeaders() bool { return q.f.NeedsHeaders() }

// NeedsID is false: neither the filter nor the marked-only switch reads
// IDs, which a filter over a million flows would otherwise build.
func (q queryMatcher) NeedsID() bool { return false }

// Status is what the status bar says about the list: where the proxy
// listens (or that the session is read-only), the session's file, counts,
// filter, marked only, order, follow.
func (l *Model) Status() []string {
	var parts []string
	if l.intro.readOnly {
		parts = append(parts, "read-only")
	} else if at := l.listening(); at != "" {
		parts = append(parts, at)
	}
	counts := style.Count(l.total, "flow")
	filtered := l.shown != l.total || l.filterExpr != "" || l.markedOnly
	if filtered {
		counts = fmt.Sprintf("%d/%s", l.shown, style.Count(l.total, "flow"))
	}
	parts = append(parts, filepath.Base(l.file), counts)
	if l.load.Loading() {
		// The rows come in as they are read: say how far, "loading 412000
		// of 1000000 flows" ("loading 412000 flows" when the file could not
		// count them), or after the filter's count.
		loading := fmt.Sprintf("loading %d of %d", l.total, max(l.load.Total, l.total))
		if l.load.Total == 0 { // not counted (a damaged index)
			loading = fmt.Sprintf("loading %d", l.total)
		}
		if filtered {
			parts = append(parts, loading)
		} else {
			parts[len(parts)-1] = loading + " flows"
		}
	}
	if l.filterExpr != "" {
		parts = append(parts, "filter: "+style.Printable(l.filterExpr))
	}
	if l.stale {
		parts = append(parts, "updating the list…")
	}
	if l.markedOnly {
		parts = append(parts, "marked only")
	}
	dir := "▲"
	if l.reverse {
		dir = "▼"
	}
	parts = append(parts, "sort: "+l.sortKey.String()+dir)
	if l.follow {
		parts = append(parts, "follow")
	}
	return parts
}

// StartFilter sets the filter the list starts with, before Init; an
// invalid expression is not applied and its error returned.
func (l *Model) StartFilter(expr string) error {
	f, err := filter.ParseWith(expr, filter.Options{Types: l.types})
	if err != nil {
		return err
	}
	l.filterExpr, l.filter = expr, f
	l.setQuery()
	return nil
}

// listening is where the proxy listens, for the status bar: the regular
// listener's address as the bar has always shown it, then the other
// listeners by the names their flows record, "127.0.0.1:8080 +
// socks5@1080, reverse:http://127.0.0.1:9000@8081", so that what the bar
// shows is what ~listener matches.
func (l *Model) listening() string {
	others := style.Printable(strings.Join(l.listeners, ", "))
	switch {
	case others == "":
		return l.intro.listen
	case l.intro.listen == "":
		return others
	}
	return l.intro.listen + " + " + others
}

// ListState is the list's part of what the UI shows, for tests and scripts
// that drive it (ui.State embeds it).
type ListState struct {
	Filter     string
	MarkedOnly bool
	Sort       session.SortKey
	Reverse    bool
	Follow     bool
	Shown      int
	Total      int
	Selected   *session.Flow // under the list's cursor (read-only), or nil
}

// State returns the list's part of the UI's state.
func (l *Model) State() ListState {
	return ListState{Filter: l.filterExpr, MarkedOnly: l.markedOnly, Sort: l.sortKey, Reverse: l.reverse,
		Follow: l.follow, Shown: l.shown, Total: l.total, Selected: l.Selected()}
}
