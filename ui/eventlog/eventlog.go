// Package eventlog keeps the proxy's latest warnings and errors for the
// UI's event log screen; its Handler plugs it into a slog.Logger, so
// nothing reaches the terminal behind the UI.
package eventlog

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/pager"
	"github.com/siphonproxy/siphon/ui/style"
)

// Event is one entry of the event log: a warning or error of the proxy or
// the store.
type Event struct {
	Time  time.Time
	Level slog.Level
	Msg   string // the message with its attributes, key=value
}

// Log keeps the latest events for the UI's event log screen. Its
// Handler plugs it into a slog.Logger, so the proxy's warnings reach the
// UI (and never the terminal). It is safe for concurrent use; writers never
// wait for the UI.
type Log struct {
	mu      sync.Mutex
	events  []Event // ring of at most limit, oldest first after start
	start   int
	limit   int
	total   int
	changed chan struct{}
}

// New returns a log that keeps the last limit events.
func New(limit int) *Log {
	return &Log{limit: max(limit, 1), changed: make(chan struct{}, 1)}
}

// Add records an event.
func (l *Log) Add(e Event) {
	l.mu.Lock()
	if len(l.events) < l.limit {
		l.events = append(l.events, e)
	} else {
		l.events[l.start] = e
		l.start = (l.start + 1) % l.limit
	}
	l.total++
	l.mu.Unlock()
	select {
	case l.changed <- struct{}{}:
	default:
	}
}

// Events returns the events kept, oldest first, and how many were ever
// added.
func (l *Log) Events() ([]Event, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Event, 0, len(l.events))
	out = append(out, l.events[l.start:]...)
	return append(out, l.events[:l.start]...), l.total
}

// Changed receives a value after events were added; signals coalesce.
func (l *Log) Changed() <-chan struct{} { return l.changed }

// Handler returns a slog.Handler that adds records at or above level to
// the log.
func (l *Log) Handler(level slog.Leveler) slog.Handler {
	return &eventHandler{log: l, level: level}
}

type eventHandler struct {
	log   *Log
	level slog.Leveler
	attrs []slog.Attr
	group string
}

func (h *eventHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level()
}

func (h *eventHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	write := func(a slog.Attr) bool {
		key := a.Key
		if h.group != "" {
			key = h.group + "." + key
		}
		fmt.Fprintf(&b, " %s=%v", key, a.Value.Resolve())
		return true
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(write)
	h.log.Add(Event{Time: r.Time, Level: r.Level, Msg: b.String()})
	return nil
}

func (h *eventHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), attrs...)
	return &c
}

func (h *eventHandler) WithGroup(name string) slog.Handler {
	c := *h
	if c.group != "" {
		name = c.group + "." + name
	}
	c.group = name
	return &c
}

// Lines draws events for the event log screen, newest last.
func Lines(events []Event, total int, st style.Styles, loc *time.Location) []string {
	if len(events) == 0 {
		return []string{st.Muted.Render("no events: the proxy's errors and warnings appear here (and in <home>/siphon.log)")}
	}
	var out []string
	if total > len(events) {
		older := fmt.Sprintf("(%d older events are only in siphon.log)", total-len(events))
		if total-len(events) == 1 {
			older = "(1 older event is only in siphon.log)"
		}
		out = append(out, st.Muted.Render(older))
	}
	for _, e := range events {
		level := st.Muted
		switch {
		case e.Level >= slog.LevelError:
			level = st.Error
		case e.Level >= slog.LevelWarn:
			level = st.Warning
		}
		out = append(out, st.Muted.Render(e.Time.In(loc).Format("15:04:05"))+" "+
			level.Render(style.Cell(e.Level.String(), 5))+" "+style.Printable(e.Msg))
	}
	return out
}

// Screen is the event log screen: the log's events in a pager.
type Screen struct {
	*pager.Screen
	log *Log // nil: no events
	st  style.Styles
	loc *time.Location
}

// NewScreen returns the screen of log (nil for none), its times shown in
// loc.
func NewScreen(log *Log, keys keymap.Map, st style.Styles, loc *time.Location) *Screen {
	return &Screen{Screen: pager.NewScreen("event log", keys, st), log: log, st: st, loc: loc}
}

// Opened shows the events from the top, when the root opens the screen.
func (s *Screen) Opened(*session.Flow, bool) { s.Show(false) }

// Show draws the events as they are now; keepOffset keeps the scroll
// position (for events that came in), else it goes back to the top.
func (s *Screen) Show(keepOffset bool) {
	var events []Event
	total := 0
	if s.log != nil {
		events, total = s.log.Events()
	}
	s.SetLines(Lines(events, total, s.st, s.loc), keepOffset)
}
