package mitm

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
)

// idleTimeout is martian's per-request connection deadline (its default,
// which siphon keeps); a pause that outlasts it must renew it.
const idleTimeout = 5 * time.Minute

var errClientGone = errors.New("the client closed the connection")

// pause holds a flow at a breakpoint: it publishes the flow as
// Intercepted, waits on the decision's Wait with a context that ends when
// the client hangs up or the proxy shuts down, and publishes it as Pending
// again. Only this flow's goroutine blocks. It reports false when
// the flow ended while paused; the connection is then closed.
func (p *Proxy) pause(fr front, rec *record, d intercept.Decision) (intercept.Decision, bool) {
	if d.Wait == nil {
		return intercept.Decision{}, true
	}
	rec.update(func(f *session.Flow) { f.State = session.Intercepted })
	gone, stop := fr.watchHangup()
	ctx, cancel := context.WithCancelCause(p.ctx)
	go func() {
		select {
		case <-gone:
			cancel(errClientGone)
		case <-ctx.Done():
		}
	}()
	out := d.Wait(ctx)
	cancel(nil)
	stop()
	switch {
	case isClosed(gone):
		p.drop(fr, rec, &session.Error{Phase: session.PhaseClient, Msg: "the client closed the connection while the flow was paused at a breakpoint"}, "")
		return out, false
	case p.ctx.Err() != nil:
		p.drop(fr, rec, &session.Error{Phase: session.PhaseIntercept, Msg: "siphon shut down while the flow was paused at a breakpoint"}, "")
		return out, false
	}
	if out.Action == intercept.Pause {
		out = intercept.Decision{}
	}
	rec.update(func(f *session.Flow) { f.State = session.Pending })
	return out, true
}

func isClosed(ch <-chan struct{}) bool {
	if ch == nil {
		return false
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// aLongTimeAgo is a deadline in the past, to interrupt a blocked read.
var aLongTimeAgo = time.Unix(1, 0)

// watchHangup notices a client that hangs up while martian is not reading
// from its connection (a flow paused at a breakpoint), as net/http's server
// does: it reads one byte in the background, and the returned channel is
// closed when that read fails. A byte that does arrive (a pipelined
// request) is kept for martian's next read, and the watch ends there. stop
// ends the watch and waits for the reader; it must return before martian
// reads again. While a request body is still being read, nothing is
// watched: the bytes belong to the body.
func (c *clientConn) watchHangup() (gone <-chan struct{}, stop func()) {
	c.mu.Lock()
	busy := c.unlimited || c.closed
	c.mu.Unlock()
	if busy || c.detached.Load() || len(c.prefix) > 0 {
		return nil, func() {}
	}
	ch := make(chan struct{})
	done := make(chan struct{})
	var stopping atomic.Bool
	// martian's per-request read deadline would end the watch early.
	c.Conn.SetReadDeadline(time.Time{})
	go func() {
		defer close(done)
		var b [1]byte
		n, err := c.Conn.Read(b[:])
		if n > 0 {
			c.prefix = append(c.prefix, b[:n]...)
			return
		}
		if err != nil && !stopping.Load() {
			close(ch)
		}
	}()
	return ch, func() {
		stopping.Store(true)
		c.Conn.SetReadDeadline(aLongTimeAgo)
		<-done
		c.Conn.SetReadDeadline(time.Time{})
	}
}
