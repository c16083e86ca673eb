package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/mitm"
	"github.com/siphonproxy/siphon/replay"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui"
	"github.com/siphonproxy/siphon/ui/eventlog"
	"github.com/siphonproxy/siphon/ui/export"
)

// eventLogSize is how many proxy warnings the UI's event log keeps; all of
// them are in siphon.log.
const eventLogSize = 1000

// runTUI is siphon without a subcommand: the proxy (same flags as dump) and
// the terminal UI, or with --readonly FILE the UI over a session file or a
// HAR file without a proxy. Nothing is written to the terminal behind the
// UI: the proxy's warnings go to <home>/siphon.log and the event log (E).
func runTUI(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("siphon")
	var o proxyOptions
	o.register(fs)
	readonly := fs.String("readonly", "", "browse this session file or HAR file without starting the proxy")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c, err := o.check()
	if err != nil {
		return err
	}
	if *readonly != "" {
		if o.mcp.addr != "" {
			return usagef("--mcp serves the running proxy; for a file, run siphon mcp --session FILE")
		}
		return browse(ctx, *readonly, o.filter, stdout, ui.WithClipboard(export.NewSystemClipboard(stdout, os.Getenv("TMUX") != "")),
			ui.WithProtoTypes(c.types))
	}
	app, err := startTUI(ctx, &o, c, tuiSetup{terminal: stdout, tmux: os.Getenv("TMUX") != "", editor: os.Getenv("EDITOR")})
	if err != nil {
		return err
	}
	return app.stop(runProgram(ctx, app.model, stdout))
}

// tuiSetup is what the UI takes from the environment rather than flags.
type tuiSetup struct {
	terminal io.Writer // where OSC 52 clipboard escapes go: the UI's output
	tmux     bool      // inside tmux ($TMUX)
	editor   string    // $EDITOR; empty means vi
	// clipboard replaces the system clipboard (tests); nil for the
	// system's.
	clipboard export.Clipboard
}

// tuiApp is a running proxy and the UI model over it.
type tuiApp struct {
	model  *ui.Model
	run    *running
	engine *intercept.Engine
	// stop ends the proxy once the UI has ended with err, and returns
	// err, a failure of the proxy, or of saving the session.
	stop func(err error) error
}

// startTUI starts the proxy with what the UI needs around it: a rules
// engine (one without rules when there is no --rules, so that the
// intercept keys work) whose rules files are watched, a replay Marker in
// front of the store and a Sender that replays through the proxy's own
// listener, and the clipboard.
func startTUI(ctx context.Context, o *proxyOptions, c *checked, setup tuiSetup) (*tuiApp, error) {
	if c.engine == nil {
		c.engine = intercept.New(o.engineConfig())
	}
	// Interception starts off, so that the status bar says "intercept:
	// off" when nothing can pause, unless the rules files hold breakpoints
	// (enabled or not: R turns them on): i or I turn it on.
	c.engine.SetIntercepting(hasBreakpoints(c.engine))
	events := eventlog.New(eventLogSize)
	var marker *replay.Marker
	r, err := startProxy(o, c, proxySetup{
		recorder: func(store *session.Store) mitm.Recorder {
			marker = replay.NewMarker(store)
			return marker
		},
		logHandler: func(file slog.Handler) slog.Handler {
			return slog.NewMultiHandler(file, events.Handler(slog.LevelWarn))
		},
	})
	if err != nil {
		return nil, err
	}
	cfg := replay.SenderConfig{Proxy: dialAddr(r.replay), RootCAs: r.ca.Pool(), Marker: marker, Messages: clientMessagesOf(r.store)}
	if c.auth != nil {
		cfg.ProxyUser, cfg.ProxyPass = c.auth.User, c.auth.Pass
	}
	sender, err := replay.NewSender(cfg)
	if err != nil {
		return nil, r.stop(err, nil)
	}
	// Printed before the UI takes the screen; also in the event log.
	stopMCP, err := o.mcp.serve(ctx, o, c, r, os.Stderr)
	if err != nil {
		sender.Close()
		return nil, r.stop(err, nil)
	}
	// A bad reload is logged as a warning, which reaches the event log;
	// the rules view and the status bar show it too.
	stopRules := watchRules(ctx, c.engine, io.Discard, r.logger)
	clip := setup.clipboard
	if clip == nil {
		clip = export.NewSystemClipboard(setup.terminal, setup.tmux)
	}
	m := ui.New(r.store, ui.WithListen(r.regularAddr()), ui.WithListeners(otherListeners(r)), ui.WithCAPath(r.ca.CertPath()), ui.WithEvents(events), ui.WithFilter(o.filter),
		ui.WithEngine(c.engine), ui.WithReplay(sender), ui.WithClipboard(clip), ui.WithEditor(setup.editor), ui.WithConnect(connectConfig(r, c)),
		ui.WithProtoTypes(c.types), ui.WithInjector(r.proxy))
	stop := func(err error) error {
		if err == nil {
			select {
			case err = <-r.served: // the proxy stopped by itself
			default:
			}
		}
		stopRules()
		stopMCP()
		sender.Close()
		return r.stop(err, nil)
	}
	return &tuiApp{model: m, run: r, engine: c.engine, stop: stop}, nil
}

// otherListeners names r's listeners but the regular one the status bar
// shows by its address (regularAddr), as their flows record them.
func otherListeners(r *running) []string {
	var names []string
	shown := r.regularAddr()
	for i, s := range r.specs {
		if s.mode.Kind == mitm.Regular && r.addrs[i].String() == shown {
			continue
		}
		names = append(names, mitm.ListenerName(s.mode, r.addrs[i]))
	}
	return names
}

// hasBreakpoints reports whether any of e's rules is a breakpoint.
func hasBreakpoints(e *intercept.Engine) bool {
	for _, r := range e.Rules() {
		if r.Rule.Breakpoint != intercept.NoBreakpoint {
			return true
		}
	}
	return false
}

// dialAddr is an address that reaches the listener at addr from this
// machine: a listener on every interface is reached on loopback.
func dialAddr(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return addr.String()
	}
	ip := net.IPv4(127, 0, 0, 1)
	if tcp.IP.To4() == nil {
		ip = net.IPv6loopback
	}
	return net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port))
}

// browse shows a session file or a HAR file without a proxy, with the
// UI's options (clipboard, --proto types); the file is not written.
func browse(ctx context.Context, path, filterExpr string, stdout io.Writer, opts ...ui.Option) error {
	m, closeStore, err := browseModel(ctx, path, filterExpr, opts...)
	if err != nil {
		return err
	}
	err = runProgram(ctx, m, stdout)
	if cerr := closeStore(); err == nil && cerr != nil {
		err = cerr
	}
	return err
}

// runProgram runs the UI in the alternate screen until the user quits or
// ctx ends (SIGINT, SIGTERM, SIGHUP), which is a normal end too. Keys come from
// the terminal on standard input (the controlling terminal if it is
// redirected).
func runProgram(ctx context.Context, m *ui.Model, stdout io.Writer) error {
	return ui.Run(ctx, m, os.Stdin, stdout)
}
