package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/mcp"
	"github.com/siphonproxy/siphon/mitm"
	"github.com/siphonproxy/siphon/replay"
	"github.com/siphonproxy/siphon/session"
)

// mcpOptions are the flags of the live MCP server (siphon --mcp ADDR,
// siphon dump --mcp ADDR), and what it wires into the proxy.
type mcpOptions struct {
	addr         string
	token        string
	allowActions bool
	noRedact     bool

	notifier *mcp.Notifier  // in the recorder chain once --mcp is set
	marker   *replay.Marker // marks the MCP server's replays
	url      string         // where serve listens
}

func (m *mcpOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&m.addr, "mcp", "", "also serve MCP (for coding agents) over HTTP at this loopback `address`, such as 127.0.0.1:8765; the endpoint is /mcp")
	fs.StringVar(&m.token, "mcp-token", "", "bearer `token` MCP clients must send (default: a random one, printed at start)")
	fs.BoolVar(&m.allowActions, "mcp-allow-actions", false, "let MCP clients replay flows, add rules and resume or drop paused flows (default: read-only)")
	fs.BoolVar(&m.noRedact, "mcp-no-redact", false, "send Authorization, Cookie, Set-Cookie and secret JSON fields to MCP clients as captured instead of [redacted …N chars]")
}

// check refuses an MCP address beyond loopback, and MCP flags without
// --mcp.
func (m *mcpOptions) check() error {
	if m.addr == "" {
		if m.token != "" || m.allowActions {
			return usagef("--mcp-token and --mcp-allow-actions need --mcp ADDR")
		}
		return nil
	}
	if err := mcp.CheckLoopback(m.addr); err != nil {
		return usagef("%v", err)
	}
	return nil
}

// wrap puts the MCP server's notifier and replay marker in front of the
// proxy's recorder, and gives the proxy a rules engine (so that add_rule and
// breakpoints work) when actions are allowed; without --mcp it returns rec.
func (m *mcpOptions) wrap(o *proxyOptions, c *checked, rec mitm.Recorder) mitm.Recorder {
	if m.addr == "" {
		return rec
	}
	if m.allowActions && c.engine == nil {
		c.engine = intercept.New(o.engineConfig())
	}
	m.marker = replay.NewMarker(rec)
	m.notifier = mcp.NewNotifier(m.marker)
	return m.notifier
}

// serve starts the live MCP server of a started proxy, and tells w where
// it is and its token. stop ends it; it does nothing without --mcp.
func (m *mcpOptions) serve(ctx context.Context, o *proxyOptions, c *checked, r *running, w io.Writer) (stop func(), err error) {
	if m.addr == "" {
		return func() {}, nil
	}
	l, err := net.Listen("tcp", m.addr)
	if err != nil {
		return nil, usagef("listen for MCP on %s: %v", m.addr, err)
	}
	live := &mcp.Live{AllowActions: m.allowActions, Engine: c.engine}
	var sender *replay.Sender
	if m.allowActions {
		cfg := replay.SenderConfig{Proxy: dialAddr(r.replay), RootCAs: r.ca.Pool(), Marker: m.marker, Messages: clientMessagesOf(r.store)}
		if c.auth != nil {
			cfg.ProxyUser, cfg.ProxyPass = c.auth.User, c.auth.Pass
		}
		if sender, err = replay.NewSender(cfg); err != nil {
			l.Close()
			return nil, err
		}
		live.Sender = sender
		// Added rules go into the first --rules file, else into a file
		// of their own in the home, loaded from then on.
		var rulesPath string
		if len(o.rules) > 0 {
			rulesPath = o.rules[0]
		} else {
			home, err := homeDir(o.home)
			if err != nil {
				l.Close()
				sender.Close()
				return nil, err
			}
			rulesPath = filepath.Join(home, "mcp-rules.yaml")
		}
		live.Rules = mcp.NewRulesFile(rulesPath, o.rules)
	}
	// The SDK logs every notification at Info: a line per flow in
	// siphon.log during capture. Only its warnings are kept.
	logger := slog.New(minLevel{r.logger.Handler(), slog.LevelWarn})
	srv := mcp.New(mcp.Config{Source: mcp.StoreSource{Store: r.store}, NoRedact: m.noRedact, Version: versionString(),
		Live: live, Logger: logger, Busy: capturing(r.store)})
	token := m.token
	if token == "" {
		token = mcp.NewToken()
	}
	hs := &http.Server{Handler: srv.Handler(token), ReadHeaderTimeout: 10 * time.Second, ErrorLog: nil}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{}, 2)
	go func() {
		m.notifier.Run(ctx, srv)
		done <- struct{}{}
	}()
	go func() {
		if err := hs.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("mcp server", "err", err)
		}
		done <- struct{}{}
	}()
	url := "http://" + l.Addr().String() + mcp.Path
	m.url = url
	mode := "read-only"
	if m.allowActions {
		mode = "actions allowed"
	}
	fmt.Fprintf(w, "siphon: MCP server on %s (%s)\n", url, mode)
	fmt.Fprintf(w, "siphon: MCP token %s\n", token)
	// At warning level so that the UI's event log (E) shows where and
	// with which token agents reach it.
	r.logger.Warn("MCP server listening", "url", url, "mode", mode, "token", token)
	return func() {
		cancel()
		hs.Close() // agents' open event streams would hold Shutdown until its timeout
		<-done
		<-done
		if sender != nil {
			sender.Close()
		}
	}, nil
}

// minLevel drops records below min.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.min}
}

// capturing reports whether st took flows at a load's pace (100 a second
// or more) over the last quarter second: then the MCP server paces agents
// so that they never slow the capture.
func capturing(st *session.Store) func() bool {
	const window, least = 250 * time.Millisecond, 25
	var mu sync.Mutex
	last, at, busy := st.Len(), time.Now(), false
	return func() bool {
		mu.Lock()
		defer mu.Unlock()
		if now := time.Now(); now.Sub(at) >= window {
			n := st.Len()
			busy = float64(n-last) >= least*float64(now.Sub(at))/float64(window)
			last, at = n, now
		}
		return busy
	}
}
