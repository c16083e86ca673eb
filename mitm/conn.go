package mitm

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/siphonproxy/siphon/session"
)

// maxHeaderBytes bounds a request's line and headers, as net/http's server
// does by default; a client that sends more gets 431 and a closed connection.
const maxHeaderBytes = 1 << 20

// keepHead is how much of an unparsable request is kept to explain it.
const keepHead = 4 << 10

var errHeaderTooLarge = errors.New("request headers exceed 1 MiB")

// connState is what siphon knows about one client TCP connection: where it
// came from, what TLS it speaks (after a MITM handshake), and the CONNECT
// target it tunnels to. martian hands modifiers only the request, so the
// proxy finds this through the request's remote address.
type connState struct {
	accepted session.Stamp
	remote   string
	raw      net.Conn    // the accepted TCP connection, closed on shutdown
	lm       *listenMode // the listener's mode; nil in tests that make their own

	mu          sync.Mutex
	current     *clientConn // the wrapper martian reads from now
	tls         *tls.ConnectionState
	connectHost string // host:port of the CONNECT that opened the tunnel
	tlsStart    session.Stamp
	tlsDone     session.Stamp
}

func (s *connState) peer() (session.Peer, session.Timings) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := session.Peer{Addr: s.remote}
	t := session.Timings{ClientConnect: s.accepted, ClientTLSStart: s.tlsStart, ClientTLSDone: s.tlsDone}
	if s.tls != nil {
		p.SNI = s.tls.ServerName
		p.TLSVersion = tls.VersionName(s.tls.Version)
		p.ALPN = s.tls.NegotiatedProtocol
	}
	return p, t
}

// newFlow starts a live flow of this connection, received now.
func (s *connState) newFlow(kind session.Kind, req *session.Request, received session.Stamp) *session.Flow {
	peer, timings := s.peer()
	timings.RequestReceived = received
	f := &session.Flow{State: session.Pending, Source: session.Live, Kind: kind, Client: peer, Request: req, Timings: timings}
	if s.lm != nil {
		f.Listener = s.lm.name
	}
	return f
}

// connectRequest is the request snapshot of a CONNECT to target.
func connectRequest(target string) *session.Request {
	return &session.Request{Method: http.MethodConnect, URL: target, Proto: "HTTP/1.1", Header: http.Header{}}
}

func (s *connState) secure() (*tls.ConnectionState, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tls, s.connectHost
}

// clientConn is the net.Conn martian reads requests from. It enforces the
// header size limit, remembers the start of an unparsable request so the
// failure can be explained to the client and recorded as a flow, and can be
// detached: the proxy takes a connection away from a martian loop (after a
// hijack) and serves it again from a fresh one, so that the old loop ends
// without touching the connection.
type clientConn struct {
	net.Conn
	state  *connState
	proxy  *Proxy
	prefix []byte // bytes read ahead by an earlier loop, served first

	detached atomic.Bool

	mu        sync.Mutex
	unlimited bool   // a request body is being read
	pending   int    // bytes read since the last request was parsed
	head      []byte // the first keepHead of them
	tooLarge  bool
	closed    bool
	abandoned bool // the rest is a request body nobody reads; see abandon

	up       context.Context // see upstreamContext
	upCancel context.CancelCauseFunc
	watches  watchClock // see clientWatch
	held     heldFlows  // flows published once their response is written
}

func (c *clientConn) Read(b []byte) (int, error) {
	// Whatever the last response left held is written by now.
	c.held.release(false)
	if c.detached.Load() {
		return 0, io.EOF
	}
	c.mu.Lock()
	abandoned, tooLarge := c.abandoned, c.tooLarge
	c.mu.Unlock()
	switch {
	case abandoned:
		return 0, io.EOF
	case len(c.prefix) > 0:
		n := copy(b, c.prefix)
		c.prefix = c.prefix[n:]
		c.count(b[:n])
		return n, nil
	case tooLarge:
		return 0, errHeaderTooLarge
	}
	n, err := c.Conn.Read(b)
	if n > 0 && !c.count(b[:n]) {
		return 0, errHeaderTooLarge
	}
	return n, err
}

// count notes bytes read; it reports false when they take the pending
// request past the header limit.
func (c *clientConn) count(b []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.unlimited {
		return true
	}
	if len(c.head) < keepHead {
		c.head = append(c.head, b[:min(len(b), keepHead-len(c.head))]...)
	}
	c.pending += len(b)
	if c.pending > maxHeaderBytes {
		c.tooLarge = true
		return false
	}
	return true
}

// requestParsed is called when martian has read a request's headers: the
// limit is off while its body is read, and back on by rearm.
func (c *clientConn) requestParsed(hasBody bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending, c.head = 0, c.head[:0]
	c.unlimited = hasBody
}

// opaque says that what the client sends from now on is not HTTP requests
// (a tunnel, a TLS handshake, WebSocket frames): no header limit, and
// nothing to explain as a malformed request when the connection closes.
func (c *clientConn) opaque() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending, c.head = 0, nil
	c.unlimited = true
}

func (c *clientConn) rearm() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending, c.head = 0, c.head[:0]
	c.unlimited = false
}

func (c *clientConn) SetDeadline(t time.Time) error {
	if c.detached.Load() {
		return nil
	}
	return c.Conn.SetDeadline(t)
}

// Close answers a request martian could not parse before closing: martian
// drops such connections silently, and the user should see why.
func (c *clientConn) Close() error {
	c.held.release(true)
	if c.detached.Load() {
		return nil
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	head := bytes.TrimLeft(c.head, "\r\n")
	pending, tooLarge, abandoned := len(head) > 0 && !c.unlimited, c.tooLarge, c.abandoned
	c.mu.Unlock()
	switch {
	case abandoned:
		c.linger()
	case pending:
		c.rejectUnparsed(head, tooLarge)
	}
	c.proxy.forget(c.state)
	return c.Conn.Close()
}

func (c *clientConn) rejectUnparsed(head []byte, tooLarge bool) {
	status, msg := http.StatusBadRequest, ""
	if tooLarge {
		status, msg = http.StatusRequestHeaderFieldsTooLarge, errHeaderTooLarge.Error()
	} else {
		_, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(head)))
		switch {
		case err == nil, errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			msg = "the client closed the connection in the middle of a request"
			status = 0 // nobody to answer
		default:
			msg = "malformed request: " + err.Error()
		}
	}
	if status != 0 {
		c.Conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
		body := "siphon: " + msg + "\n"
		fmt.Fprintf(c.Conn, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
			status, http.StatusText(status), len(body), body)
	}
	c.proxy.recordClientFailure(c.state, head, msg)
}

// detach hands the connection (or conn, which wraps it) to a new
// clientConn, carrying over bytes the old reader had buffered, and turns
// this one into a dead end.
func (c *clientConn) detach(conn net.Conn, buffered []byte) *clientConn {
	c.detached.Store(true)
	c.held.release(true)
	n := &clientConn{Conn: conn, state: c.state, proxy: c.proxy, prefix: buffered}
	c.state.mu.Lock()
	c.state.current = n
	c.state.mu.Unlock()
	return n
}

func (s *connState) conn() *clientConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current
}

// drain returns the bytes a bufio.Reader holds beyond what was consumed.
func drain(r *bufio.Reader) []byte {
	n := r.Buffered()
	if n == 0 {
		return nil
	}
	b := make([]byte, n)
	io.ReadFull(r, b)
	return b
}

// chanListener is a net.Listener fed by the proxy itself: connections it
// took over (a MITM'd TLS stream, a connection after a streamed response)
// go back to martian through it.
type chanListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newChanListener(addr net.Addr) *chanListener {
	return &chanListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// push hands c to martian; it reports false once the listener is closed.
func (l *chanListener) push(c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.done:
		return false
	}
}

func (l *chanListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }

// copyBufSize is the write size for bodies relayed to clients.
const copyBufSize = 64 << 10

// ReadFrom copies r to the client in large writes. martian writes through
// a 4 KiB bufio.Writer, which hands the rest of a body to ReadFrom once its
// buffer is flushed; without it a download cost one system call per 4 KiB.
func (c *clientConn) ReadFrom(r io.Reader) (int64, error) {
	bp := c.proxy.copyBufs.Get().(*[]byte)
	defer c.proxy.copyBufs.Put(bp)
	return io.CopyBuffer(writerOnly{c}, r, *bp)
}

// writerOnly hides ReadFrom, so that io.CopyBuffer does not call it back.
type writerOnly struct{ io.Writer }
