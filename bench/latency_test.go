package main

import (
	"context"
	"io"
	"net"
	"sync"
	"time"
)

// slowLink dials like a net.Dialer, but what the dialer reads arrives one
// round trip (rtt) after it left the other end: a long-distance link of
// unlimited bandwidth, on which flow-control windows, not the CPU, bound a
// download (at most one window per round trip).
func slowLink(rtt time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 10 * time.Second}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		dc := &delayedConn{Conn: c, rtt: rtt, in: make(chan arrival, 4096), done: make(chan struct{})}
		go dc.pump()
		return dc, nil
	}
}

// arrival is what one read of the real connection got, and when the
// reader may have it.
type arrival struct {
	b   []byte
	at  time.Time
	err error
}

type delayedConn struct {
	net.Conn
	rtt     time.Duration
	in      chan arrival
	pending []byte
	err     error
	done    chan struct{}
	once    sync.Once
}

// pump reads the real connection as fast as it delivers and queues what
// it reads with its arrival time (4096 reads in flight at most).
func (c *delayedConn) pump() {
	for {
		b := make([]byte, 32<<10)
		n, err := c.Conn.Read(b)
		select {
		case c.in <- arrival{b: b[:n], at: time.Now().Add(c.rtt), err: err}:
		case <-c.done:
			return
		}
		if err != nil {
			return
		}
	}
}

func (c *delayedConn) Read(p []byte) (int, error) {
	for len(c.pending) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		var a arrival
		select {
		case a = <-c.in:
		case <-c.done:
			return 0, net.ErrClosed
		}
		if wait := time.Until(a.at); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-c.done:
				t.Stop()
				return 0, net.ErrClosed
			}
		}
		c.pending, c.err = a.b, a.err
		if c.err == nil && len(a.b) == 0 {
			c.err = io.ErrNoProgress
		}
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

func (c *delayedConn) Close() error {
	c.once.Do(func() { close(c.done) })
	return c.Conn.Close()
}
