package ui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/session"
)

// storeChangedMsg says the store signalled a change.
type storeChangedMsg struct{}

// eventsChangedMsg says the event log has new events.
type eventsChangedMsg struct{}

// refreshedMsg carries the result of a View refresh.
type refreshedMsg struct {
	stats session.ViewStats
	err   error
	at    time.Time
}

// waitSignal waits, off the event loop, for a value on ch (the store's or
// the event log's coalescing change signal) and reports it as msg. The UI
// re-arms it after each signal, so proxy goroutines never call
// Program.Send and never wait for the UI.
func waitSignal(ctx context.Context, ch <-chan struct{}, msg tea.Msg) tea.Cmd {
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		select {
		case <-ch:
			return msg
		case <-ctx.Done():
			return nil
		}
	}
}

// refreshView brings v up to date off the event loop, no sooner than
// notBefore: however fast flows arrive, the list is rebuilt at most once
// per refresh interval.
func refreshView(ctx context.Context, v *session.View, notBefore time.Time) tea.Cmd {
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
		st, err := v.Refresh(ctx)
		return refreshedMsg{stats: st, err: err, at: time.Now()}
	}
}

// refresher decides when the view is refreshed: one refresh in flight at a
// time, another right after it if the store changed meanwhile.
type refresher struct {
	interval time.Duration
	inFlight bool
	dirty    bool
	last     time.Time
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
	return refreshView(ctx, v, notBefore)
}

// done records a finished refresh and returns the next one if needed.
func (r *refresher) done(ctx context.Context, v *session.View, at time.Time) tea.Cmd {
	r.inFlight, r.last = false, at
	if r.dirty {
		return r.request(ctx, v, false)
	}
	return nil
}
