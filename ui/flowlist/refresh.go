package flowlist

import (
	"context"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/style"
)

// RefreshedMsg carries the result of a View refresh to Model.Refreshed.
type RefreshedMsg struct {
	Stats session.ViewStats
	Err   error
	At    time.Time
	// Load is how far the store's flows were loaded when the refresh
	// began: once it is done, the view holds every flow.
	Load session.LoadState
	// Query is the list's query (filter, marked-only, order) count when
	// the refresh was asked for: rows of an older one are stale.
	Query int
}

// changedMsg says the store signalled a change.
type changedMsg struct{}

// refreshView brings v up to date off the event loop, no sooner than
// notBefore: however fast flows arrive, the list is rebuilt at most once
// per refresh interval.
func refreshView(ctx context.Context, v *session.View, loading func() session.LoadState, notBefore time.Time, query int) tea.Cmd {
	return func() tea.Msg {
		if d := time.Until(notBefore); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil
			}
		}
		msg := refreshNow(ctx, v, loading)
		msg.Query = query
		return msg
	}
}

// refreshNow refreshes v on the calling goroutine.
func refreshNow(ctx context.Context, v *session.View, loading func() session.LoadState) RefreshedMsg {
	load := session.LoadState{Done: true}
	if loading != nil {
		load = loading() // before the refresh: done means the view gets every flow
	}
	st, err := v.Refresh(ctx)
	return RefreshedMsg{Stats: st, Err: err, At: time.Now(), Load: load}
}

// refresher decides when the view is refreshed: one refresh in flight at a
// time, another right after it if the store changed meanwhile.
type refresher struct {
	interval time.Duration
	loading  func() session.LoadState // nil: the store is loaded
	inFlight bool
	dirty    bool
	last     time.Time
	// query counts the list's queries: a refresh asked for before the
	// latest one brings rows it does not describe.
	query int
}

// request asks for a refresh; it returns the command to run, or nil when
// one is in flight (which then runs again when it ends).
func (r *refresher) request(ctx context.Context, v *session.View, now bool) tea.Cmd {
	if r.inFlight {
		r.dirty = true
		return nil
	}
	r.inFlight, r.dirty = true, false
	notBefore := r.last.Add(r.interval)
	if now {
		notBefore = time.Time{}
	}
	return refreshView(ctx, v, r.loading, notBefore, r.query)
}

// done records a finished refresh and returns the next one if needed.
func (r *refresher) done(ctx context.Context, v *session.View, at time.Time) tea.Cmd {
	r.inFlight, r.last = false, at
	if r.dirty {
		return r.request(ctx, v, false)
	}
	return nil
}

// Init refreshes the view at once and starts watching the store.
func (l *Model) Init() tea.Cmd {
	return tea.Batch(l.refresh.request(l.ctx, l.view, true), l.wait())
}

// wait waits, off the event loop, for the store's change signal. It is
// re-armed after each refresh, so the proxy's goroutines never call
// Program.Send and never wait for the UI.
func (l *Model) wait() tea.Cmd {
	ch, ctx := l.store.Changed(), l.ctx
	return func() tea.Msg {
		select {
		case <-ch:
			return changedMsg{}
		case <-ctx.Done():
			return nil
		}
	}
}

// Refreshed takes in a view refresh: the cursor's flow is found again and
// the visible rows read.
func (l *Model) Refreshed(msg RefreshedMsg) tea.Cmd {
	var said tea.Cmd
	if msg.Err == nil {
		said = l.loaded(msg.Load)
		l.sync(msg.Stats)
		l.stale = msg.Query != l.refresh.query
	}
	next := l.refresh.done(l.ctx, l.view, msg.At)
	if next == nil {
		// Idle again: wait for the next change (a change made during the
		// refresh is still in the channel and wakes it at once).
		next = l.wait()
	}
	return tea.Batch(said, next)
}

// loaded takes in how far the store's flows are loaded, for the status
// bar; when a load that lost flows ends, the user is told so.
func (l *Model) loaded(st session.LoadState) tea.Cmd {
	was := l.load
	l.load = st
	if !st.Done || was.Done {
		return nil
	}
	switch {
	case st.Err != nil:
		return l.host.Say(fmt.Sprintf("loading stopped after %s: %v", style.Count(st.Loaded, "flow"), st.Err))
	case st.Skipped > 0:
		return l.host.Say(fmt.Sprintf("%s of the file could not be read (left in the file)", style.Count(st.Skipped, "flow")))
	}
	return nil
}

// RefreshNow refreshes the view on the caller's goroutine, as the refresh
// command does, for benchmarks that start from a settled list; the
// message goes to Refreshed.
func (l *Model) RefreshNow(ctx context.Context) RefreshedMsg {
	l.refresh.inFlight = true
	msg := refreshNow(ctx, l.view, l.refresh.loading)
	msg.Query = l.refresh.query
	return msg
}
