package mitm

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/martian/v3"
	"github.com/siphonproxy/siphon/session"
)

const (
	// drainLimit and drainTime bound what siphon reads of a request body
	// nobody forwarded (the origin was unreachable, siphon answered
	// itself), to keep the connection for the client's next request. A
	// bigger or slower body is abandoned and the connection closed.
	drainLimit = 256 << 10
	drainTime  = 500 * time.Millisecond

	// lingerTime and lingerLimit bound how long a connection closing on
	// an abandoned body is read and discarded after the answer: closing
	// it with unread bytes would reset it, and the client could lose the
	// answer before reading it.
	lingerTime  = 2 * time.Second
	lingerLimit = 16 << 20

	// bodyIdleTime bounds the wait for more of a body siphon reads itself to
	// answer a request (a mock, a block, its own pages): a client that
	// stops sending part-way gets the answer and a closed connection
	// rather than holding it until martian's 5-minute deadline.
	bodyIdleTime = 30 * time.Second
)

const bodyKey = "siphon.body"

// clientBody is a request body as read from the client. It sends
// "100 Continue" when the body is first wanted (siphon answers
// Expect: 100-continue itself: Go's transport would wait for the origin's
// 100 while the client waits for ours), turns the header limit back on at
// the body's end, and settles the body when siphon is done with a request
// whose body was not read to the end. It captures what it reads, under
// its lock, so that what settle drains lands after what the transport
// read. Reads and settle may run on different goroutines (the transport's
// writer, the connection's).
type clientBody struct {
	rc       io.ReadCloser // martian's body: its Close would read all that is left
	cc       *clientConn
	length   int64 // as the client declared it; -1 when unknown
	eof      atomic.Bool
	settling atomic.Bool
	idle     atomic.Int64            // a time.Duration; see readIdle
	kept     atomic.Pointer[capture] // nil when the body is not recorded

	mu     sync.Mutex
	expect bool // 100 Continue is owed before the first read
	done   bool // settled: nothing more is read

	hookMu sync.Mutex
	onEOF  func() // see whenComplete
}

// newClientBody wraps req's body, noting it in the martian context so
// that the transport and the response step can settle it.
func newClientBody(ctx *martian.Context, req *http.Request, cc *clientConn) *clientBody {
	b := &clientBody{
		rc:     req.Body,
		cc:     cc,
		length: req.ContentLength,
		expect: req.ProtoAtLeast(1, 1) && strings.EqualFold(req.Header.Get("Expect"), "100-continue"),
	}
	ctx.Set(bodyKey, b)
	return b
}

func bodyOf(req *http.Request) *clientBody {
	ctx := martian.NewContext(req)
	if ctx == nil {
		return nil
	}
	v, _ := ctx.Get(bodyKey)
	b, _ := v.(*clientBody)
	return b
}

func (b *clientBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return 0, errClosedEarly
	}
	if b.expect {
		b.expect = false
		if _, err := io.WriteString(b.cc.Conn, "HTTP/1.1 100 Continue\r\n\r\n"); err != nil {
			return 0, fmt.Errorf("send 100 Continue: %w", err)
		}
	}
	idle := time.Duration(b.idle.Load())
	if idle > 0 && !b.settling.Load() {
		b.cc.Conn.SetReadDeadline(time.Now().Add(idle))
	}
	n, err := b.rc.Read(p)
	if c := b.kept.Load(); n > 0 && c != nil {
		c.write(p[:n])
	}
	switch {
	case err == io.EOF:
		b.ended()
	case err != nil && b.settling.Load():
		// settle cut the read short: not the client's failure.
		err = errClosedEarly
	case err != nil && idle > 0 && isTimeout(err):
		err = fmt.Errorf("nothing more of it came for %v", idle)
	}
	return n, err
}

// record captures the body into c from now on, settle's drain included.
func (b *clientBody) record(c *capture) { b.kept.Store(c) }

// readIdle bounds each read of the client by idle from now on (zero: no
// bound), for a body siphon reads on the connection's goroutine. Turning
// it off clears the read deadline, as settle does; martian sets its own
// before the next request.
func (b *clientBody) readIdle(idle time.Duration) {
	b.idle.Store(int64(idle))
	if idle == 0 {
		b.cc.Conn.SetReadDeadline(time.Time{})
	}
}

// captured returns what was captured of the body, without waiting for a
// read in progress. A body not read to its end is marked truncated: what
// siphon kept is the start of a body of the size the client declared
// (unknown when it sent it chunked).
func (b *clientBody) captured() session.Body {
	c := b.kept.Load()
	if c == nil {
		return session.Body{}
	}
	body := c.body()
	if !b.complete() && (b.length < 0 || body.Size < b.length) {
		body.Truncated = true
		body.Size = max(body.Size, b.length)
	}
	return body
}

// Close settles the body rather than closing martian's, which would read
// all that is left of it, however big, however slow.
func (b *clientBody) Close() error {
	b.settle()
	return nil
}

// complete reports whether the body was read to its end.
func (b *clientBody) complete() bool { return b.eof.Load() }

// ended notes that the body was read to its end: the connection's next
// bytes are a request again.
func (b *clientBody) ended() {
	b.eof.Store(true)
	b.cc.rearm()
	b.hookMu.Lock()
	fn := b.onEOF
	b.onEOF = nil
	b.hookMu.Unlock()
	if fn != nil {
		fn()
	}
}

// whenComplete runs fn once the body has been read to its end: at once if
// it has been, otherwise on the goroutine that reads its end. fn must not
// read the body.
func (b *clientBody) whenComplete(fn func()) {
	b.hookMu.Lock()
	if !b.eof.Load() {
		b.onEOF = fn
		b.hookMu.Unlock()
		return
	}
	b.hookMu.Unlock()
	fn()
}

// settle ends the reading of the body and reports whether it was read to
// its end: the rest of it is read and dropped, within drainLimit and
// drainTime. A body the client was not yet asked for (it waits for 100
// Continue) is not asked for now. A body not read to its end is abandoned:
// the client connection then serves no further request and closes after
// the answer, so its bytes are never read as a request. Only the first
// call reads; later ones report its outcome.
func (b *clientBody) settle() bool {
	if b.eof.Load() {
		return true
	}
	if !b.settling.CompareAndSwap(false, true) {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.eof.Load()
	}
	// A read already waiting for the client (the transport's, when the
	// upstream failed while the body was on its way) must not hold the
	// answer up for long either.
	b.cc.Conn.SetReadDeadline(time.Now().Add(drainTime))
	defer b.cc.Conn.SetReadDeadline(time.Time{})
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done = true
	if !b.eof.Load() && !b.expect {
		sink := io.Writer(io.Discard)
		if c := b.kept.Load(); c != nil {
			sink = c // a small body is recorded whole
		}
		if _, err := io.CopyN(sink, b.rc, drainLimit+1); err == io.EOF {
			b.ended()
		}
	}
	if !b.eof.Load() {
		b.cc.abandon()
	}
	return b.eof.Load()
}

// abandon marks the rest of what the client sends as a body nobody reads:
// no further request is read from the connection, and closing it is not a
// malformed request but a lingering close.
func (c *clientConn) abandon() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.abandoned = true
	c.pending, c.head = 0, nil
	c.unlimited = true
}

// linger closes the connection after an answer that left part of the
// request body unread: siphon says it has finished writing, then reads
// and drops what the client still sends until it closes its side (or
// lingerTime, lingerLimit pass), so that the close does not reset the
// connection before the client has read the answer.
func (c *clientConn) linger() {
	if tc, ok := c.Conn.(*tls.Conn); ok {
		tc.CloseWrite()
	}
	raw := c.state.raw
	if hc, ok := raw.(interface{ CloseWrite() error }); ok {
		hc.CloseWrite()
	}
	raw.SetReadDeadline(time.Now().Add(lingerTime))
	io.CopyN(io.Discard, raw, lingerLimit)
}

// settleAfter arranges for the request's body, when the origin answered
// before it had all of it, to be settled once the response's body has
// gone out (writing it closes it; martian closes it again after): martian
// next closes the request body it read, which would read all that is left
// of it. Settling first (a drain bounded by drainLimit and drainTime, which
// may hold the end of the answer back that long) abandons the rest, so
// that close ends at once and the connection closes with a lingering
// close. A body still being forwarded while the response streams (full
// duplex) is left alone until the response ends.
func settleAfter(req *http.Request, res *http.Response) *http.Response {
	b := bodyOf(req)
	if b == nil || b.complete() || res.Body == nil || res.StatusCode == http.StatusSwitchingProtocols {
		return res // a 101's body is the upgraded connection, kept as it is
	}
	res.Body = &settlingBody{ReadCloser: res.Body, req: b}
	return res
}

// settlingBody is a response body whose Close settles the request's body.
type settlingBody struct {
	io.ReadCloser
	req *clientBody
}

func (s *settlingBody) Close() error {
	err := s.ReadCloser.Close()
	s.req.settle()
	return err
}
