package main

import (
	"bufio"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/siphonproxy/siphon/grpcmsg"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui"
)

// printer is the proxy's Recorder for siphon dump: it stores every flow
// and prints one line for each that completes and matches the filter
// (and, with messages set, a line for each WebSocket message as it
// passes, tagged with its flow; see AddMessage).
// Printing happens on its own goroutine so a slow terminal never holds up
// the proxy, in batches (see printHold).
type printer struct {
	store  *session.Store
	filter session.Matcher
	out    *bufio.Writer
	format func(*session.Flow) string // one line of output: formatFlow, or formatFlowJSON for --json
	// messages: print each WebSocket message as it passes, and a count
	// under its flow's line at the close (--ws-messages); messages a
	// filter could not select while the flow was open are listed under
	// the line instead, read from the store on the printing goroutine.
	messages bool

	// hold is how long the printing goroutine lets lines gather after
	// the first of a batch: printHold, shorter in tests.
	hold time.Duration

	mu      sync.Mutex
	lines   []printed
	ws      map[string]*liveWS // open WebSocket flows, with messages set
	wake    chan struct{}
	closed  bool
	closing chan struct{} // closed by close: a batch held is printed at once
	done    chan struct{}
}

// printHold is how long a line may wait for others to be printed with
// it. One write (and one wake of the printing goroutine) per flow cost a
// system call and a thread wake-up per request under load; a batch every
// printHold costs one, and someone watching still sees each line within
// about a tenth of a second.
const printHold = 50 * time.Millisecond

func newPrinter(store *session.Store, m session.Matcher, w io.Writer) *printer {
	p := &printer{store: store, filter: m, out: bufio.NewWriterSize(w, 64<<10), format: formatFlow, ws: map[string]*liveWS{},
		hold: printHold, wake: make(chan struct{}, 1), closing: make(chan struct{}), done: make(chan struct{})}
	go p.loop()
	return p
}

// Add stores f and prints it if it is already complete.
func (p *printer) Add(f *session.Flow) {
	p.store.Add(f)
	p.maybePrint(f)
}

// Update stores f and prints it once it is complete.
func (p *printer) Update(f *session.Flow) error {
	err := p.store.Update(f)
	p.maybePrint(f)
	return err
}

func (p *printer) maybePrint(f *session.Flow) {
	ws := p.messages && f.Kind == session.WebSocket
	if f.State != session.Done && f.State != session.Failed {
		if ws {
			p.mu.Lock()
			p.trackWS(f)
			p.mu.Unlock()
		}
		return
	}
	item := printed{listing: ws}
	if ws {
		p.mu.Lock()
		p.endWS(f, &item)
		p.mu.Unlock()
	}
	if p.filter != nil && !p.filter.Match(f) {
		// A body filter may match a WebSocket's messages, which the
		// store reads from its file: on the printing goroutine, not the
		// proxy's.
		bm, ok := p.filter.(session.BodyMatcher)
		if f.Kind != session.WebSocket || !ok || !bm.NeedsBodies() {
			return
		}
		item.recheck = true
	}
	item.line = p.format(f)
	if item.recheck || ws {
		item.flow = f.Clone()
	}
	p.mu.Lock()
	if !p.closed {
		p.lines = append(p.lines, item)
	}
	p.mu.Unlock()
	p.signal()
}

// signal wakes the printing goroutine, unless it is already awake or
// holding a batch: then the lines wait for that batch or the next.
func (p *printer) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// printed is a line waiting to be written: a flow's, with the flow when
// its messages follow or decide whether it matches (recheck), or a
// WebSocket message's.
type printed struct {
	line    string
	flow    *session.Flow
	recheck bool   // print only if the filter matches flow with its messages
	listing bool   // list the flow's messages under its line
	summary string // else, the count of its messages printed live
}

func (p *printer) loop() {
	defer close(p.done)
	hold := time.NewTimer(time.Hour) // set for each batch below
	hold.Stop()
	for {
		<-p.wake
		hold.Reset(p.hold)
		select {
		case <-hold.C:
		case <-p.closing:
			hold.Stop()
		}
		p.mu.Lock()
		lines, closed := p.lines, p.closed
		p.lines = nil
		p.mu.Unlock()
		for _, l := range lines {
			if l.recheck && !p.store.Match(p.filter, l.flow) {
				continue
			}
			p.out.WriteString(l.line)
			p.out.WriteByte('\n')
			switch {
			case l.listing:
				if err := printMessages(p.out, p.store, l.flow); err != nil {
					fmt.Fprintf(p.out, "  (messages: %v)\n", err)
				}
			case l.summary != "":
				p.writeSummary(l)
			}
		}
		p.out.Flush()
		if closed {
			return
		}
	}
}

// close prints what is queued and stops; it is idempotent.
func (p *printer) close() {
	p.mu.Lock()
	already := p.closed
	p.closed = true
	p.mu.Unlock()
	if !already {
		close(p.closing)
		p.signal()
	}
	<-p.done
}

// formatFlow is the one-line form of a flow: time, client, method, URL,
// status or error, size, duration.
func formatFlow(f *session.Flow) string {
	var b strings.Builder
	b.WriteString(f.Start().Time().Format("15:04:05.000"))
	b.WriteByte(' ')
	b.WriteString(orDash(f.Client.Addr))
	b.WriteByte(' ')
	if f.Listener != "" && !strings.HasPrefix(f.Listener, "regular@") {
		// A regular listener's flows look as they always did.
		b.WriteString("(" + f.Listener + ") ")
	}
	method, target := "-", "-"
	if f.Request != nil {
		method, target = f.Request.Method, f.Request.URL
	}
	b.WriteString(method)
	b.WriteByte(' ')
	b.WriteString(printable(target))
	clientProto, originProto := protocols(f)
	if clientProto != "" {
		b.WriteString(" " + clientProto)
	}
	b.WriteString(" -> ")
	if originProto != "" && f.Err == nil && f.Response != nil {
		b.WriteString(originProto + " ")
	}
	switch {
	case f.Err != nil:
		fmt.Fprintf(&b, "ERR %s: %s", f.Err.Phase, f.Err.Msg)
	case f.Kind == session.Tunnel:
		b.WriteString("tunnel")
	case f.Response != nil:
		fmt.Fprintf(&b, "%d", f.Response.Status)
		if f.Response.Reason != "" {
			b.WriteString(" " + f.Response.Reason)
		}
		b.WriteString(grpcStatus(f))
	default:
		b.WriteString("…")
	}
	if f.Err == nil {
		b.WriteString(" " + ui.FormatSize(f.Size()))
		if f.Response != nil && f.Response.Body.Truncated {
			b.WriteString(" (truncated)")
		}
	}
	if d := f.Duration(); d > 0 {
		b.WriteString(" " + ui.FormatDuration(d))
	}
	return b.String()
}

// grpcStatus is what a line says of a gRPC call after its HTTP status:
// " grpc" (or " grpc-web") and the grpc-status by name, with grpc-message
// quoted when there is one; "" for other flows. The method needs no
// saying: the URL's path is "/package.Service/Method".
func grpcStatus(f *session.Flow) string {
	fr := grpcmsg.FlowFraming(f)
	if fr == grpcmsg.NotGRPC {
		return ""
	}
	out := " " + fr.String()
	st, ok := grpcmsg.StatusOf(f)
	if !ok {
		return out + " (no grpc-status)"
	}
	out += " " + st.Code.String()
	if st.Raw != "" {
		out += " " + strconv.Quote(st.Raw)
	}
	if st.Message != "" {
		out += " " + strconv.Quote(st.Message)
	}
	return out
}

// protocols names the protocol each side of f spoke (the client's request,
// the origin's response) when either is not HTTP/1.1, the common case that
// goes without saying; otherwise both are empty.
func protocols(f *session.Flow) (client, origin string) {
	if f.Request != nil {
		client = f.Request.Proto
	}
	if f.Response != nil {
		origin = f.Response.Proto
	}
	if strings.TrimPrefix(client, "HTTP/1.1") == "" && strings.TrimPrefix(origin, "HTTP/1.1") == "" {
		return "", ""
	}
	return printable(client), printable(origin)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// printable keeps a line a line: control characters from a hostile
// request line must not reach the terminal.
func printable(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) < 0 {
		return s
	}
	return url.PathEscape(s)
}
