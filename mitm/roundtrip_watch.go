package mitm

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/google/martian/v3"
)

// watchDelay is how long siphon waits for the origin before it starts
// watching the client: most answers come sooner, and a watch costs a
// goroutine and three deadline changes on the client's connection. A
// client that hangs up is noticed that much later.
const watchDelay = 50 * time.Millisecond

// clientWatch cancels an upstream request whose client hangs up while
// siphon waits for the response. martian's requests carry a context that
// never ends, and siphon sets no limit on that wait unless
// --upstream-timeout asks for one: without the watch, a request to an
// origin that never answers would outlive its client forever.
type clientWatch struct {
	cc     *clientConn
	cancel context.CancelCauseFunc

	mu        sync.Mutex
	ended     bool
	scheduled bool      // see startLater
	since     time.Time // when the wait for the origin began
	stop      func()
	// done is closed when the watch ends; made when it starts (most
	// exchanges end before it does).
	done chan struct{}
}

// watchClient returns the context req goes upstream with and starts
// watching req's client connection for a hang-up once the request body
// (if any) has been read to its end: until then what the client sends is
// the body, which the transport reads. A hang-up cancels the context with
// errClientGone; nothing else does: once the response has come, that
// would cut its body short. The watch must be ended before martian reads
// from the connection again.
func (p *Proxy) watchClient(req *http.Request) (context.Context, *clientWatch) {
	cc := p.connOf(req)
	if cc == nil || req.Context() != context.Background() {
		// HTTP/2 streams learn of hang-ups through their own context
		// (see serveStream).
		return req.Context(), nil
	}
	ctx, cancel := cc.upstreamContext()
	w := &clientWatch{cc: cc, cancel: cancel}
	if b := bodyOf(req); b != nil {
		b.whenComplete(w.startLater)
	} else {
		w.startLater()
	}
	return ctx, w
}

// upstreamContext is the context of the requests this connection's client
// sends upstream, and its cancel. It is one per connection, not one per
// request (a cancelCtx per request, with the transport's own registered
// under it, cost five allocations and 500 bytes an exchange): only a
// client that hung up cancels it, and the connection serves no further
// request then.
func (c *clientConn) upstreamContext() (context.Context, context.CancelCauseFunc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.up == nil {
		c.up, c.upCancel = context.WithCancelCause(context.Background())
	}
	return c.up, c.upCancel
}

// startLater starts the watch after watchDelay, unless it has ended.
func (w *clientWatch) startLater() {
	w.mu.Lock()
	if w.ended || w.scheduled {
		w.mu.Unlock()
		return
	}
	w.scheduled, w.since = true, time.Now()
	w.mu.Unlock()
	w.cc.watches.schedule(w)
}

// watchClock starts the watches of one client connection, one exchange at
// a time, on a timer of its own. The timer is not stopped when an exchange
// ends early (most do): when it fires, it starts the exchange waiting then
// if that one has waited watchDelay, or waits for the rest of its delay.
// Under a steady stream of requests it fires once per watchDelay instead
// of being set and stopped for each one: a timer per request woke the
// runtime's network poller about once every 12 requests at c=1.
type watchClock struct {
	mu      sync.Mutex
	timer   *time.Timer
	armed   bool
	waiting *clientWatch // nil when no exchange waits
}

func (c *watchClock) schedule(w *clientWatch) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waiting = w
	switch {
	case c.timer == nil:
		c.timer = time.AfterFunc(watchDelay, c.due)
		c.armed = true
	case !c.armed:
		c.timer.Reset(watchDelay)
		c.armed = true
	}
}

// unschedule forgets w if it is the exchange waiting.
func (c *watchClock) unschedule(w *clientWatch) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.waiting == w {
		c.waiting = nil
	}
}

func (c *watchClock) due() {
	c.mu.Lock()
	c.armed = false
	w := c.waiting
	if w == nil {
		c.mu.Unlock()
		return
	}
	if left := watchDelay - time.Since(w.since); left > 0 {
		c.timer.Reset(left)
		c.armed = true
		c.mu.Unlock()
		return
	}
	c.waiting = nil
	c.mu.Unlock()
	w.start()
}

func (w *clientWatch) start() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ended || w.stop != nil {
		return
	}
	gone, stop := w.cc.watchHangup()
	w.stop = stop
	if gone == nil {
		return
	}
	done := make(chan struct{})
	w.done = done
	go func() {
		select {
		case <-gone:
			w.cancel(errClientGone)
		case <-done:
		}
	}()
}

// end stops the watch and waits for its reader to stop. A nil watch
// (see watchClient) has nothing to stop.
func (w *clientWatch) end() {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ended = true
	if w.done != nil {
		close(w.done)
	}
	if w.scheduled {
		w.cc.watches.unschedule(w)
	}
	if w.stop != nil {
		w.stop()
	}
}

// connOf finds the HTTP/1.1 client connection a request arrived on; nil
// for requests martian did not read (HTTP/2 streams share a connection,
// and learn of hang-ups through their context).
func (p *Proxy) connOf(req *http.Request) *clientConn {
	if martian.NewContext(req) == nil {
		return nil
	}
	st := p.stateOf(req.RemoteAddr)
	if st == nil {
		return nil
	}
	return st.conn()
}
