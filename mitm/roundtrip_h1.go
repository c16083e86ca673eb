package mitm

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"time"

	"golang.org/x/net/http/httpguts"
)

// h1Pool is siphon's own HTTP/1.1 client for the commonest exchange: a
// plain http:// request without a body, with no upstream proxy and no
// response-header timeout. It writes the request and reads the response
// on the calling goroutine over a pooled keep-alive connection. Go's
// transport hands each exchange to its connection's write and read
// goroutines and back (four goroutine hand-offs, each of which may wake a
// sleeping thread); at c=1 those were most of the futex wake-ups siphon
// costs a request. Everything else (TLS, h2, upstream proxies, request
// bodies, upgrades, timeouts) stays with the transport.
//
// It keeps the transport's rules where they apply: connections are reused
// only after a response read to its end that neither side asked to close;
// a reused connection that fails before any of the response arrives is
// retried once on a new one when the request may be sent again; 1xx
// answers before the final one are skipped (a 101 becomes the upgraded
// connection), the head with them capped at h1MaxHead bytes; at most
// h1MaxIdlePerHost idle connections per origin and h1MaxIdle in all, each
// closed after h1IdleTimeout unused; an idle connection the origin closed
// or wrote to is not used (see idleCheck).
type h1Pool struct {
	dial        func(ctx context.Context, network, addr string) (net.Conn, error)
	idleTimeout time.Duration

	mu     sync.Mutex
	idle   map[string][]*h1Conn // by host:port, newest last
	nIdle  int
	sweep  *time.Timer // closes connections idle too long; nil when none are
	closed bool
}

const (
	h1MaxIdlePerHost = 64
	h1MaxIdle        = 512
	h1IdleTimeout    = 90 * time.Second
	// h1MaxHead caps the bytes of a response's head, 1xx answers before
	// it included: Go's transport's default.
	h1MaxHead = 10 << 20
)

// h1Conn is one pooled origin connection.
type h1Conn struct {
	conn   net.Conn
	lim    limitedConn // what br reads
	br     *bufio.Reader
	bw     *bufio.Writer
	addr   string // host:port asked for
	remote string // the address connected to, for flows
	check  *idleCheck
	reused bool
	idleAt time.Time
}

// newH1Pool pools connections dial opens; they are closed after idle
// unused (zero: h1IdleTimeout).
func newH1Pool(dial func(ctx context.Context, network, addr string) (net.Conn, error), idle time.Duration) *h1Pool {
	if idle <= 0 {
		idle = h1IdleTimeout
	}
	return &h1Pool{dial: dial, idleTimeout: idle, idle: map[string][]*h1Conn{}}
}

// h1Eligible reports whether req is one h1Pool sends (see h1Pool).
func (p *Proxy) h1Eligible(req *http.Request) bool {
	if p.cfg.Upstream != nil || p.cfg.UpstreamTimeout > 0 || req.URL.Scheme != "http" ||
		(req.Body != nil && req.Body != http.NoBody) || req.Method == http.MethodConnect ||
		req.URL.Host == "" || req.Header.Get("Upgrade") != "" {
		return false
	}
	// What the transport would refuse, it refuses: the same error.
	if !httpguts.ValidHostHeader(req.URL.Host) || !isASCII(req.URL.Host) || !isASCII(req.Host) ||
		!httpguts.ValidHeaderFieldName(req.Method) { // a method is a token, as a field name
		return false
	}
	for k, vv := range req.Header {
		if !httpguts.ValidHeaderFieldName(k) {
			return false
		}
		for _, v := range vv {
			if !httpguts.ValidHeaderFieldValue(v) {
				return false
			}
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// roundTrip sends req (h1Eligible) and returns its response, calling the
// record's hooks as the transport's trace would. ctx ending aborts the
// wait for the response's head.
func (h *h1Pool) roundTrip(ctx context.Context, req *http.Request, rec *record) (*http.Response, error) {
	addr := req.URL.Host
	if req.URL.Port() == "" {
		addr = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	for try := 0; ; try++ {
		c, err := h.get(ctx, addr, rec)
		if err != nil {
			return nil, err
		}
		res, err := h.exchange(ctx, c, req, rec)
		if err == nil {
			return res, nil
		}
		c.conn.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w (%w)", context.Cause(ctx), err)
		}
		// The transport's rule: a reused connection the origin closed
		// while it was idle fails before any answer; a request that
		// may be sent twice goes again, once, on a new connection.
		var nothing errNothingRead
		if try > 0 || !c.reused || !errors.As(err, &nothing) || !replayable(req) {
			return nil, err
		}
	}
}

// errNothingRead is a failure before the first byte of the response.
type errNothingRead struct{ err error }

func (e errNothingRead) Error() string { return e.err.Error() }
func (e errNothingRead) Unwrap() error { return e.err }

// replayable is the transport's rule for sending a request again.
func replayable(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	_, key := req.Header["Idempotency-Key"]
	_, xkey := req.Header["X-Idempotency-Key"]
	return key || xkey
}

// exchange writes req on c and reads the response's head. The body, when
// there is one, returns c to the pool at its end.
func (h *h1Pool) exchange(ctx context.Context, c *h1Conn, req *http.Request, rec *record) (*http.Response, error) {
	// A hang-up cancels ctx: the deadline ends the write or read blocked
	// on the origin. The connection is not reused after that.
	stop := context.AfterFunc(ctx, func() { c.conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := req.Write(c.bw); err != nil {
		return nil, errNothingRead{err}
	}
	if err := c.bw.Flush(); err != nil {
		return nil, errNothingRead{err}
	}
	rec.stampRequestSent()
	c.lim.left = h1MaxHead
	if _, err := c.br.Peek(1); err != nil {
		return nil, errNothingRead{err}
	}
	rec.stampFirstByte()
	var res *http.Response
	for {
		var err error
		if res, err = http.ReadResponse(c.br, req); err != nil {
			if c.lim.left <= 0 {
				return nil, fmt.Errorf("net/http: server response headers exceeded %d bytes; aborted", h1MaxHead)
			}
			// The transport's words, so a flow's error reads the same
			// whichever client sent it.
			return nil, fmt.Errorf("net/http: HTTP/1.x transport connection broken: %w", err)
		}
		if res.StatusCode < 100 || res.StatusCode > 199 || res.StatusCode == http.StatusSwitchingProtocols {
			break
		}
	}
	c.lim.left = math.MaxInt64
	if !stop() {
		return nil, context.Cause(ctx) // the deadline is set: c is spoiled
	}
	if res.StatusCode == http.StatusSwitchingProtocols {
		res.Body = &h1Upgraded{br: c.br, Conn: c.conn}
		return res, nil
	}
	keep := !res.Close && !req.Close && !httpguts.HeaderValuesContainsToken(req.Header["Connection"], "close")
	if res.Body == http.NoBody || res.Body == nil {
		if keep {
			h.put(c)
		} else {
			c.conn.Close()
		}
		return res, nil
	}
	res.Body = &h1Body{rc: res.Body, c: c, pool: h, keep: keep}
	return res, nil
}

// get returns an idle connection to addr, or dials one.
func (h *h1Pool) get(ctx context.Context, addr string, rec *record) (*h1Conn, error) {
	h.mu.Lock()
	for conns := h.idle[addr]; len(conns) > 0; conns = h.idle[addr] {
		c := conns[len(conns)-1]
		conns[len(conns)-1] = nil
		h.idle[addr] = conns[:len(conns)-1]
		h.nIdle--
		if time.Since(c.idleAt) > h.idleTimeout || c.br.Buffered() > 0 || !c.check.ok() {
			// Stale, or the origin sent something unasked: not a
			// connection to send a request on.
			c.conn.Close()
			continue
		}
		h.mu.Unlock()
		c.reused = true
		rec.gotConn(c.remote)
		return c, nil
	}
	h.mu.Unlock()
	// The dialer's DNS and connect hooks stamp the flow, as under the
	// transport.
	conn, err := h.dial(httptrace.WithClientTrace(ctx, rec.trace()), "tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &h1Conn{conn: conn, lim: limitedConn{Conn: conn}, bw: bufio.NewWriter(conn), addr: addr,
		remote: conn.RemoteAddr().String(), check: newIdleCheck(conn)}
	rec.gotConn(c.remote)
	c.br = bufio.NewReader(&c.lim)
	return c, nil
}

// limitedConn reads at most left bytes from Conn, then fails.
type limitedConn struct {
	net.Conn
	left int64
}

var errHeadTooLong = errors.New("response head too long")

func (l *limitedConn) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, errHeadTooLong
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.Conn.Read(p)
	l.left -= int64(n)
	return n, err
}

// put pools c for the next request to its origin, or closes it when the
// pool is full or closed.
func (h *h1Pool) put(c *h1Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || h.nIdle >= h1MaxIdle || len(h.idle[c.addr]) >= h1MaxIdlePerHost {
		c.conn.Close()
		return
	}
	c.idleAt = time.Now()
	h.idle[c.addr] = append(h.idle[c.addr], c)
	h.nIdle++
	if h.sweep == nil {
		h.sweep = time.AfterFunc(h.idleTimeout, h.closeStale)
	}
}

// closeStale closes the connections idle as long as the pool allows, and
// comes back when the oldest of the others is due.
func (h *h1Pool) closeStale() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sweep = nil
	now := time.Now()
	var oldest time.Time
	for addr, conns := range h.idle {
		kept := conns[:0]
		for _, c := range conns {
			if now.Sub(c.idleAt) >= h.idleTimeout {
				c.conn.Close()
				h.nIdle--
				continue
			}
			if oldest.IsZero() || c.idleAt.Before(oldest) {
				oldest = c.idleAt
			}
			kept = append(kept, c)
		}
		clear(conns[len(kept):])
		if len(kept) == 0 {
			delete(h.idle, addr)
		} else {
			h.idle[addr] = kept
		}
	}
	if h.nIdle > 0 && !h.closed {
		h.sweep = time.AfterFunc(oldest.Add(h.idleTimeout).Sub(now), h.closeStale)
	}
}

// close closes the idle connections and pools no more.
func (h *h1Pool) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	if h.sweep != nil {
		h.sweep.Stop()
	}
	for _, conns := range h.idle {
		for _, c := range conns {
			c.conn.Close()
		}
	}
	clear(h.idle)
	h.nIdle = 0
}

// h1Body is a pooled connection's response body: read to its end, it
// gives the connection back to the pool; closed before, it closes it.
type h1Body struct {
	rc   io.ReadCloser
	c    *h1Conn
	pool *h1Pool
	keep bool
	mu   sync.Mutex
	done bool
}

func (b *h1Body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil {
		b.end(err == io.EOF)
	}
	return n, err
}

func (b *h1Body) Close() error {
	b.end(false)
	return nil
}

// end settles the connection once: pooled after a clean end, else closed.
func (b *h1Body) end(clean bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return
	}
	b.done = true
	if clean && b.keep {
		b.pool.put(b.c)
		return
	}
	b.c.conn.Close()
}

// h1Upgraded is a 101's body: the connection itself, with what the reader
// had buffered past the response's head.
type h1Upgraded struct {
	br *bufio.Reader
	net.Conn
}

func (u *h1Upgraded) Read(p []byte) (int, error) { return u.br.Read(p) }

// CloseWrite passes a half-close on to the origin, as the transport's
// upgraded body does: a relay whose client stopped sending tells it so.
func (u *h1Upgraded) CloseWrite() error {
	if cw, ok := u.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return fmt.Errorf("CloseWrite: %w", errors.ErrUnsupported)
}
