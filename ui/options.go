package ui

import "time"

// options configure a Model; see the With functions.
type options struct {
	listen   string
	readOnly bool
	events   *EventLog
	theme    Theme
	keys     KeyMap
	loc      *time.Location
	interval time.Duration
	filter   string
	msgTTL   time.Duration
}

// Option configures a Model.
type Option func(*options)

// WithListen sets the proxy address shown in the status bar.
func WithListen(addr string) Option { return func(o *options) { o.listen = addr } }

// WithReadOnly says the session is browsed without a proxy.
func WithReadOnly() Option { return func(o *options) { o.readOnly = true } }

// WithEvents sets the event log shown by E.
func WithEvents(l *EventLog) Option { return func(o *options) { o.events = l } }

// WithTheme sets the colours.
func WithTheme(t Theme) Option { return func(o *options) { o.theme = t } }

// WithKeyMap sets the key table.
func WithKeyMap(km KeyMap) Option { return func(o *options) { o.keys = km } }

// WithLocation sets the time zone times are shown in (default local).
func WithLocation(loc *time.Location) Option { return func(o *options) { o.loc = loc } }

// WithRefreshInterval sets how often, at most, the list is rebuilt while
// flows arrive: 80 ms by default.
func WithRefreshInterval(d time.Duration) Option { return func(o *options) { o.interval = d } }

// WithFilter sets the view filter the list starts with.
func WithFilter(expr string) Option { return func(o *options) { o.filter = expr } }

func buildOptions(opts []Option) options {
	o := options{theme: DefaultTheme(), keys: DefaultKeyMap(), loc: time.Local,
		interval: 80 * time.Millisecond, msgTTL: 5 * time.Second}
	for _, fn := range opts {
		fn(&o)
	}
	return o
}
