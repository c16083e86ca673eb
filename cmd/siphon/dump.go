package main

import (
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
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c, err := o.check()
	if err != nil {
		return err
	}
	if *read != "" {
		return printSession(*read, c, stdout)
	}
	return serveDump(ctx, &o, c, stdout, stderr)
}

// printSession prints the stored flows of a session file, as mitmdump -nr.
func printSession(path string, c *checked, stdout io.Writer) error {
	if _, err := os.Stat(path); err != nil {
		return usagef("read session: %v", err)
	}
	store, err := session.Open(path, session.Options{ReadOnly: true})
	if err != nil {
		return usagef("%v", err)
	}
	defer store.Close()
	const window = 1000
	for off := 0; ; off += window {
		flows := store.List(c.filter, off, window)
		for _, f := range flows {
			fmt.Fprintln(stdout, formatFlow(f))
		}
		if len(flows) < window {
			return nil
		}
	}
}

func serveDump(ctx context.Context, o *proxyOptions, c *checked, stdout, stderr io.Writer) error {
	home, err := homeDir(o.home)
	if err != nil {
		return err
	}
	ca, err := certs.LoadOrCreate(home)
	if err != nil {
		return usagef("%v", err)
	}
	minter, err := certs.NewMinter(ca, certs.DefaultCacheSize)
	if err != nil {
		return err
	}
	logger, closeLog, err := openLog(home)
	if err != nil {
		return err
	}
	defer closeLog()

	path := o.session
	if path == "" {
		if path, err = newSessionPath(home, time.Now()); err != nil {
			return err
		}
	}
	store, err := session.Open(path, session.Options{OnError: func(err error) {
		logger.Error("session store", "err", err)
		fmt.Fprintln(stderr, "siphon: "+err.Error())
	}})
	if err != nil {
		return usagef("%v", err)
	}
	defer store.Close()

	l, err := net.Listen("tcp", c.listen)
	if err != nil {
		return usagef("listen on %s: %v", c.listen, err)
	}
	pr := newPrinter(store, c.filter, stdout)
	defer pr.close()
	proxy, err := mitm.New(mitm.Config{
		Recorder:    pr,
		Minter:      minter,
		BodyLimit:   int64(o.bodyLimit),
		IgnoreHosts: c.ignore,
		Insecure:    o.insecure,
		RootCAs:     c.roots,
		Upstream:    c.upstream,
		Auth:        c.auth,
		Logger:      logger,
	})
	if err != nil {
		l.Close()
		return err
	}
	announce(stderr, l.Addr(), c, ca)
	fmt.Fprintf(stderr, "siphon: proxy listening on http://%s\n", l.Addr())
	fmt.Fprintf(stderr, "siphon: session %s\n", store.Path())

	served := make(chan error, 1)
	go func() { served <- proxy.Serve(l) }()
	select {
	case err = <-served:
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if serr := proxy.Shutdown(sctx); serr != nil {
		logger.Warn("shutdown", "err", serr)
	}
	pr.close()
	if cerr := store.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("save session %s: %w", store.Path(), cerr)
	}
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

// openLog opens <home>/siphon.log for the proxy's own warnings.
func openLog(home string) (*slog.Logger, func(), error) {
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, nil, fmt.Errorf("create home %s: %w", home, err)
	}
	path := filepath.Join(home, "siphon.log")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("open log %s: %w", path, err)
	}
	return slog.New(slog.NewTextHandler(f, nil)), func() { f.Close() }, nil
}
