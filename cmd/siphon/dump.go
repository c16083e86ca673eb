package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/siphonproxy/siphon/certs"
	"github.com/siphonproxy/siphon/mitm"
	"github.com/siphonproxy/siphon/session"
)

// shutdownGrace is how long in-flight flows may take to finish on SIGINT.
const shutdownGrace = 5 * time.Second

func runDump(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("dump")
	var o proxyOptions
	o.register(fs)
	read := fs.String("read", "", "print the flows of this session file and exit, without starting the proxy")
	asJSON := fs.Bool("json", false, "print one JSON object per flow per line (the fields of the MCP list_flows rows), for jq")
	wsMessages := fs.Bool("ws-messages", false, "print each WebSocket message as it passes, after its flow's client and URL: direction, time offset, size, type, preview (with --read: under its flow's line)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c, err := o.check()
	if err != nil {
		return err
	}
	line := formatFlow
	if *asJSON {
		if *wsMessages {
			return usagef("--ws-messages prints lines of text: it does not go with --json")
		}
		line = formatFlowJSON
	}
	if *read != "" {
		return printSession(*read, c, line, *wsMessages, stdout)
	}
	return serveDump(ctx, &o, c, line, *wsMessages, stdout, stderr)
}

// printSession prints the stored flows of a session file, as mitmdump -nr.
func printSession(path string, c *checked, line func(*session.Flow) string, messages bool, stdout io.Writer) error {
	if _, err := os.Stat(path); err != nil {
		return usagef("read session: %v", err)
	}
	store, err := session.Open(path, session.Options{ReadOnly: true})
	if err != nil {
		return usagef("%v", err)
	}
	defer store.Close()
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	for f := range store.All(c.filter) {
		w.WriteString(line(withGRPCBodies(store, f)) + "\n")
		if messages && f.Kind == session.WebSocket {
			if err := printMessages(w, store, f); err != nil {
				return fmt.Errorf("read messages of flow %s: %w", f.ID, err)
			}
		}
	}
	return w.Flush()
}

func serveDump(ctx context.Context, o *proxyOptions, c *checked, line func(*session.Flow) string, messages bool, stdout, stderr io.Writer) error {
	var pr *printer
	r, err := startProxy(o, c, proxySetup{
		recorder: func(store *session.Store) mitm.Recorder {
			pr = newPrinter(store, c.filter, stdout)
			pr.format, pr.messages = line, messages
			return pr
		},
		storeErr: func(err error) { fmt.Fprintln(stderr, "siphon: "+err.Error()) },
	})
	if err != nil {
		if pr != nil {
			pr.close()
		}
		return err
	}
	announce(stderr, r.addr, c, r.ca)
	announceRules(stderr, o, c.engine, true)
	stopRules := watchRules(ctx, c.engine, stderr, r.logger)
	defer stopRules()
	stopMCP, err := o.mcp.serve(ctx, o, c, r, stderr)
	if err != nil {
		return r.stop(err, pr.close)
	}
	for i, l := range r.specs {
		fmt.Fprintln(stderr, l.describe(r.addrs[i], len(r.specs) == 1))
	}
	fmt.Fprintf(stderr, "siphon: session %s\n", r.store.Path())
	select {
	case err = <-r.served:
	case <-ctx.Done():
	}
	return r.stop(err, func() {
		stopMCP()
		pr.close()
	})
}

// running is a started proxy with its session store and log.
type running struct {
	ca    *certs.CA
	store *session.Store
	proxy *mitm.Proxy
	addr  net.Addr // the first regular listener's, else the first
	addrs []net.Addr
	// replay is where replays go: the first regular listener, or one of
	// siphon's own on loopback when every listener is reverse or SOCKS5
	// (neither takes a proxy request for any URL).
	replay   net.Addr
	specs    []listenSpec // the listeners, in the order of addrs
	logger   *slog.Logger
	served   chan error // receives the first listener's end
	closeLog func()
	pass     *passList // the passed-through hosts, saved in <home>
}

// proxySetup is what a command adds to the shared proxy start.
type proxySetup struct {
	// recorder wraps the store as the proxy's Recorder; nil records into
	// the store directly.
	recorder func(*session.Store) mitm.Recorder
	// logHandler wraps the handler writing <home>/siphon.log (the TUI adds
	// its event log); nil logs to the file only.
	logHandler func(file slog.Handler) slog.Handler
	// storeErr is also told of the store's background errors (they are
	// always logged); nil for none.
	storeErr func(error)
	// ownPassthrough keeps the proxy off <home>/passthrough.txt: it
	// passes nothing through and saves nothing (siphon doctor's).
	ownPassthrough bool
}

// startProxy does what every proxy-running command needs: home, CA, log,
// session store, listener, and a serving proxy.
func startProxy(o *proxyOptions, c *checked, setup proxySetup) (_ *running, err error) {
	home, err := homeDir(o.home)
	if err != nil {
		return nil, err
	}
	ca, err := certs.LoadOrCreate(home)
	if err != nil {
		return nil, usagef("%v", err)
	}
	minter, err := certs.NewMinter(ca, certs.DefaultCacheSize)
	if err != nil {
		return nil, err
	}
	logger, closeLog, err := openLog(home, setup.logHandler)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			closeLog()
		}
	}()

	pass := memoryPassthrough()
	if !setup.ownPassthrough {
		if pass, err = openPassthrough(home, logger); err != nil {
			return nil, err
		}
	}
	defer func() {
		if err != nil {
			pass.close()
		}
	}()
	// Listen first: a port in use must not leave an empty session behind.
	specs := c.listeners
	if len(specs) == 0 { // a checked made by hand (siphon doctor's)
		specs = []listenSpec{{addr: c.listen}}
	}
	l, err := listenAll(specs)
	if err != nil {
		return nil, err
	}
	if !hasRegular(specs) {
		hidden, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("listen for replays on loopback: %w", err)
		}
		l = append(l, hidden) // the last, past specs: served apart below
	}
	path := o.session
	if path == "" {
		if path, err = newSessionPath(home, time.Now()); err != nil {
			l.Close()
			return nil, err
		}
	}
	// Another siphon writing the session is a session.InUseError, whose
	// message is the whole story: "session FILE is in use by another
	// siphon (pid N)".
	store, err := session.Open(path, session.Options{ShareHeaders: true, OnError: func(err error) {
		logger.Error("session store", "err", err)
		if setup.storeErr != nil {
			setup.storeErr(err)
		}
	}})
	if err != nil {
		l.Close()
		return nil, usagef("%v", err)
	}
	var rec mitm.Recorder = store
	if setup.recorder != nil {
		rec = setup.recorder(store)
	}
	rec = o.mcp.wrap(o, c, rec)
	proxy, err := mitm.New(mitm.Config{
		Recorder:    rec,
		Minter:      minter,
		BodyLimit:   int64(o.bodyLimit),
		IgnoreHosts: c.ignore,
		Insecure:    o.insecure,
		RootCAs:     c.roots,
		Upstream:    c.upstream,
		Auth:        c.auth,
		Logger:      logger,
		Decider:     c.decider(),

		UpstreamTimeout: o.upstreamTimeout,
		KeepAltSvc:      o.keepAltSvc,
		Passthrough:     pass.set,
		AutoPassthrough: o.autoPassthrough,
	})
	if err != nil {
		l.Close()
		store.Discard() // created by this run: nothing was recorded
		return nil, err
	}
	r := &running{ca: ca, store: store, proxy: proxy, logger: logger, specs: specs,
		served: make(chan error, len(l)+1), closeLog: closeLog, pass: pass}
	for i, ln := range l[:len(specs)] {
		r.addrs = append(r.addrs, ln.Addr())
		if r.addr == nil && specs[i].mode.Kind == mitm.Regular {
			r.addr = ln.Addr()
		}
		go func() { r.served <- proxy.ServeMode(ln, specs[i].mode) }()
	}
	r.replay = r.addr
	if r.addr == nil {
		r.addr = r.addrs[0]
		// Replays need a regular listener (reverse and SOCKS5 ones take
		// no proxy request for any URL): this one is on loopback,
		// announced nowhere, and its flows record "replay" as their
		// listener.
		hidden := l[len(l)-1]
		r.replay = hidden.Addr()
		go func() { r.served <- proxy.ServeMode(hidden, mitm.Mode{Name: "replay"}) }()
	}
	return r, nil
}

// stop shuts the proxy down (in-flight exchanges get shutdownGrace), runs
// beforeClose, and saves and closes the session. It returns err, or else
// the error of saving the session. A run that ends in err without a flow
// recorded was a failed start (the terminal UI could not start, say): the
// session is discarded if this run created it.
func (r *running) stop(err error, beforeClose func()) error {
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if serr := r.proxy.Shutdown(sctx); serr != nil {
		r.logger.Warn("shutdown", "err", serr)
	}
	r.pass.close()
	if beforeClose != nil {
		beforeClose()
	}
	closeStore := r.store.Close
	if err != nil && r.store.Len() == 0 {
		closeStore = r.store.Discard
	}
	if cerr := closeStore(); cerr != nil && err == nil {
		err = fmt.Errorf("save session %s: %w", r.store.Path(), cerr)
	}
	r.closeLog()
	return err
}

// announce tells the user how to reach the proxy from other devices.
func announce(w io.Writer, addr net.Addr, c *checked, ca *certs.CA) {
	fmt.Fprintf(w, "siphon: CA certificate %s (or http://siphon.cert/ through the proxy)\n", ca.CertPath())
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || tcp.IP.IsLoopback() {
		fmt.Fprintln(w, "siphon: to capture a phone, listen on your network: --listen 0.0.0.0:8080 --proxy-auth USER:PASS")
		return
	}
	if c.openAuth {
		fmt.Fprintln(w, "siphon: warning: --proxy-auth none: anyone who can reach this machine can use the proxy")
	}
	for _, ip := range lanAddrs(tcp.IP) {
		fmt.Fprintf(w, "siphon: on your network, set devices' proxy to %s\n", net.JoinHostPort(ip, fmt.Sprint(tcp.Port)))
	}
}

// lanAddrs lists the machine's non-loopback addresses a device could use;
// for a listener bound to one address, just that one.
func lanAddrs(bound net.IP) []string {
	if !bound.IsUnspecified() {
		return []string{bound.String()}
	}
	var out []string
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok || n.IP.IsLoopback() || n.IP.IsLinkLocalUnicast() {
			continue
		}
		out = append(out, n.IP.String())
	}
	return out
}

// openLog opens <home>/siphon.log for the proxy's own warnings; wrap, when
// set, may send the records elsewhere too.
func openLog(home string, wrap func(slog.Handler) slog.Handler) (*slog.Logger, func(), error) {
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, nil, fmt.Errorf("create home %s: %w", home, err)
	}
	path := filepath.Join(home, "siphon.log")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("open log %s: %w", path, err)
	}
	var h slog.Handler = slog.NewTextHandler(f, nil)
	if wrap != nil {
		h = wrap(h)
	}
	return slog.New(h), func() { f.Close() }, nil
}
