package ui

import (
	"time"

	"github.com/siphonproxy/siphon/grpcmsg"
	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/replay"
	"github.com/siphonproxy/siphon/ui/connect"
	"github.com/siphonproxy/siphon/ui/eventlog"
	"github.com/siphonproxy/siphon/ui/export"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/style"
	"github.com/siphonproxy/siphon/ui/wsintercept"
)

// options configure a Model; see the With functions.
type options struct {
	listen   string
	others   []string // the proxy's other listeners, by name
	caPath   string
	readOnly bool
	events   *eventlog.Log
	theme    style.Theme
	keys     keymap.Map
	loc      *time.Location
	interval time.Duration
	filter   string
	msgTTL   time.Duration
	types    *grpcmsg.Types

	engine *intercept.Engine
	sender *replay.Sender
	clip   export.Clipboard
	editor string

	connect *connect.Config

	messages wsintercept.Engine   // WithMessageEngine's
	injector wsintercept.Injector // nil: s says there is no proxy
}

// Option configures a Model.
type Option func(*options)

// WithListen sets the proxy address shown in the status bar.
func WithListen(addr string) Option { return func(o *options) { o.listen = addr } }

// WithListeners names the proxy's listeners besides the one WithListen
// shows, as their flows record them (mitm.ListenerName: "socks5@1080",
// "reverse:http://127.0.0.1:9000@8081"): the status bar lists them after
// the address, and with more than one listener in all the flow view's
// Details tab names the listener of every flow, a regular one's too.
func WithListeners(names []string) Option { return func(o *options) { o.others = names } }

// WithCAPath sets the CA certificate's file, which the empty list shows
// with how to point a client at the proxy.
func WithCAPath(path string) Option { return func(o *options) { o.caPath = path } }

// WithReadOnly says the session is browsed without a proxy.
func WithReadOnly() Option { return func(o *options) { o.readOnly = true } }

// WithEvents sets the event log shown by E.
func WithEvents(l *eventlog.Log) Option { return func(o *options) { o.events = l } }

// WithTheme sets the colours.
func WithTheme(t style.Theme) Option { return func(o *options) { o.theme = t } }

// WithKeyMap sets the key table.
func WithKeyMap(km keymap.Map) Option { return func(o *options) { o.keys = km } }

// WithLocation sets the time zone times are shown in (default local).
func WithLocation(loc *time.Location) Option { return func(o *options) { o.loc = loc } }

// WithRefreshInterval sets how often, at most, the list is rebuilt while
// flows arrive: 100 ms by default (the slowest the issue allows: each
// refresh walks the session once).
func WithRefreshInterval(d time.Duration) Option { return func(o *options) { o.interval = d } }

// WithFilter sets the view filter the list starts with.
func WithFilter(expr string) Option { return func(o *options) { o.filter = expr } }

// WithProtoTypes sets the gRPC message types (siphon --proto): filters
// match gRPC messages' JSON with field names, and the gRPC tab shows it.
func WithProtoTypes(t *grpcmsg.Types) Option { return func(o *options) { o.types = t } }

// WithEngine sets the rules engine the proxy decides with, so that the UI
// can set the intercept filter, resolve paused flows and list rules.
// Without it the intercept keys say that there is no proxy.
func WithEngine(e *intercept.Engine) Option { return func(o *options) { o.engine = e } }

// WithMessageEngine sets what holds WebSocket messages at breakpoints,
// in place of the rules engine's message breakpoints (tests use a fake).
func WithMessageEngine(e wsintercept.Engine) Option { return func(o *options) { o.messages = e } }

// WithInjector sets what sends messages of the user's own on open
// WebSocket connections (s): the proxy (*mitm.Proxy). Without it s says
// that there is no proxy.
func WithInjector(i wsintercept.Injector) Option { return func(o *options) { o.injector = i } }

// messageEngine is what holds WebSocket messages at breakpoints:
// WithMessageEngine's, else the rules engine's; nil for none.
func (o options) messageEngine() wsintercept.Engine {
	if o.messages != nil || o.engine == nil {
		return o.messages
	}
	return wsintercept.Adapt(o.engine)
}

// engineChanges is the channel that signals changes of paused flows,
// paused messages and rules; nil without an engine.
func (o options) engineChanges() <-chan struct{} {
	if o.engine != nil {
		return o.engine.Changed()
	}
	if e := o.messageEngine(); e != nil {
		return e.Changed()
	}
	return nil
}

// WithReplay sets the Sender that re-sends flows through the proxy (r,
// ctrl+r). Without it the replay keys say that there is no proxy.
func WithReplay(s *replay.Sender) Option { return func(o *options) { o.sender = s } }

// WithClipboard sets where exported text is copied (x, c), usually a
// export.NewSystemClipboard; without it copying says there is no clipboard (w
// still writes files).
func WithClipboard(c export.Clipboard) Option { return func(o *options) { o.clip = c } }

// WithEditor sets the command that edits messages (e, p), as $EDITOR is
// written: a program and its arguments; the file's path is appended. An
// empty one means vi.
func WithEditor(cmd string) Option { return func(o *options) { o.editor = cmd } }

// WithConnect sets what the connect screen (C) shows: where devices reach
// the proxy, and the live set of passed-through hosts (P adds to it).
// Without it C and P say that there is no proxy.
func WithConnect(c connect.Config) Option { return func(o *options) { o.connect = &c } }

// proxyUser is the --proxy-auth user name the connect screen shows, ""
// for none.
func (o options) proxyUser() string {
	if o.connect == nil {
		return ""
	}
	return o.connect.User
}

// severalListeners reports whether the proxy has more than one listener.
func (o options) severalListeners() bool {
	n := len(o.others)
	if o.listen != "" {
		n++
	}
	return n > 1
}

func buildOptions(opts []Option) options {
	o := options{theme: style.DefaultTheme(), keys: keymap.Default(), loc: time.Local,
		interval: 100 * time.Millisecond, msgTTL: 5 * time.Second}
	for _, fn := range opts {
		fn(&o)
	}
	return o
}
