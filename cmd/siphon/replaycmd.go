package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/siphonproxy/siphon/mitm"
	"github.com/siphonproxy/siphon/replay"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui"
)

// runReplay is "siphon replay SESSION [--filter EXPR] [--repeat N]
// [--concurrency C]": it re-sends the matching flows through a proxy of its
// own, so the replays are captured (marked as replays) into a session
// file, prints one line per result and a summary.
func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("replay")
	var o proxyOptions
	o.bodyLimit = mitm.DefaultBodyLimit
	fs.StringVar(&o.home, "home", "", "siphon's home directory for the CA, sessions and log (default ~/.siphon or $SIPHON_HOME)")
	fs.StringVar(&o.session, "session", "", "session file the replays are captured into; may be SESSION itself (default: new file under <home>/sessions)")
	fs.StringVar(&o.filter, "filter", "", "filter expression: which flows to replay (default all)")
	fs.BoolVar(&o.insecure, "insecure", false, "do not verify upstream TLS certificates")
	fs.StringVar(&o.upstreamCA, "upstream-ca", "", "PEM file of extra CA certificates to trust upstream")
	fs.StringVar(&o.upstream, "upstream", "", "send all traffic through this HTTP proxy: http://[user:pass@]host:port")
	fs.Var(&o.bodyLimit, "body-limit", "bytes of each body to capture, e.g. 16MiB")
	repeat := fs.Int("repeat", 1, "send every flow this many times")
	concurrency := fs.Int("concurrency", 1, "exchanges at once (1 sends the flows strictly in order)")
	timeout := fs.Duration("timeout", 2*time.Minute, "limit for one exchange (a WebSocket's: plus its recorded length)")
	atOnce := fs.Bool("ws-at-once", false, "send a WebSocket's client messages one after another, not with their recorded gaps")
	pos, err := parseWithArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("replay: want one session file (siphon replay SESSION)")
	}
	if *repeat < 1 || *concurrency < 1 || *timeout <= 0 {
		return usagef("replay: --repeat and --concurrency must be at least 1, --timeout positive")
	}
	o.listen = "127.0.0.1:0" // the replays' own proxy, for this process only
	c, err := o.check()
	if err != nil {
		return err
	}
	src, flows, err := replaySource(pos[0], &o, c.filter, stderr)
	if err != nil {
		return err
	}
	if src != nil {
		defer src.Close()
	}

	var marker *replay.Marker
	r, err := startProxy(&o, c, proxySetup{
		recorder: func(store *session.Store) mitm.Recorder {
			marker = replay.NewMarker(store)
			return marker
		},
		storeErr: func(err error) { fmt.Fprintln(stderr, "siphon: "+err.Error()) },
	})
	if err != nil {
		return err
	}
	source := src
	if source == nil { // replaying a session into itself
		source = r.store
		flows = listReplayable(r.store, c.filter, stderr)
	}
	fmt.Fprintf(stderr, "siphon: replaying %d flows ×%d, %d at a time; session %s\n",
		len(flows), *repeat, *concurrency, r.store.Path())

	sender, err := replay.NewSender(replay.SenderConfig{Proxy: r.replay.String(), RootCAs: r.ca.Pool(),
		Marker: marker, Timeout: *timeout, Messages: clientMessagesOf(source), AtOnce: *atOnce})
	if err != nil {
		return r.stop(err, nil)
	}
	var mu sync.Mutex // OnResult runs one at a time; the lock orders the writes anyway
	runner := &replay.Runner{Sender: sender, Repeat: *repeat, Concurrency: *concurrency,
		Load: func(f *session.Flow) (*session.Flow, error) { return source.Get(f.ID) },
		OnResult: func(res replay.Result) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintln(stdout, formatResult(res, *repeat > 1))
		}}
	sum := runner.Run(ctx, flows)
	sender.Close()
	fmt.Fprintln(stdout, "summary: "+sum.String())
	if sum.Errors > 0 {
		err = fmt.Errorf("replay: %d of %d exchanges failed", sum.Errors, sum.Count)
	}
	return r.stop(err, nil)
}

// replaySource opens the session to replay and lists its flows. When the
// replays go into the same file, it returns a nil store: the proxy's own
// store is the source then, listed once it is open.
func replaySource(path string, o *proxyOptions, m session.Matcher, stderr io.Writer) (*session.Store, []*session.Flow, error) {
	if o.session != "" {
		a, err1 := filepath.Abs(path)
		b, err2 := filepath.Abs(o.session)
		if err1 == nil && err2 == nil && a == b {
			return nil, nil, nil
		}
	}
	store, err := openSessionReadOnly(path)
	if err != nil {
		return nil, nil, err
	}
	return store, listReplayable(store, m, stderr), nil
}

// listReplayable lists the flows m selects that are HTTP exchanges or
// WebSockets (whose conversations are replayed); tunnels cannot be re-sent.
func listReplayable(store *session.Store, m session.Matcher, stderr io.Writer) []*session.Flow {
	var out []*session.Flow
	skipped := 0
	for _, f := range store.List(m, 0, -1) {
		if (f.Kind == session.HTTP || f.Kind == session.WebSocket) && f.Request != nil && f.Request.Method != http.MethodConnect {
			out = append(out, f)
		} else {
			skipped++
		}
	}
	if skipped > 0 {
		fmt.Fprintf(stderr, "siphon: leaving out %d tunnel flows\n", skipped)
	}
	return out
}

// clientMessagesOf reads the client's messages of a WebSocket flow of
// store, for its replay (replay.SenderConfig.Messages).
func clientMessagesOf(store *session.Store) func(id string) ([]session.Message, error) {
	return func(id string) ([]session.Message, error) { return replay.ClientMessages(store, id) }
}

// formatResult is one line per replay: the original's number, the round,
// the request, and what came back.
func formatResult(res replay.Result, rounds bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d", res.Flow.Seq)
	if rounds {
		fmt.Fprintf(&b, " r%d", res.Round)
	}
	b.WriteString(" " + requestLine(res.Flow) + " -> ")
	switch {
	case res.Err != nil:
		b.WriteString("ERR " + printable(res.Err.Error()))
	case res.Flow.Kind == session.WebSocket:
		fmt.Fprintf(&b, "%d, %d messages sent, %s received", res.Status, res.Sent, ui.FormatSize(res.Size))
	default:
		fmt.Fprintf(&b, "%d %s", res.Status, ui.FormatSize(res.Size))
	}
	if res.Duration > 0 {
		b.WriteString(" " + ui.FormatDuration(res.Duration))
	}
	return b.String()
}
