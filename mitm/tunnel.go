package mitm

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/martian/v3"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/wsmsg"
)

// pipeUpgrade relays a connection the origin switched to another protocol
// (WebSocket): martian would wait for a response body that never ends, so
// siphon takes the client connection and copies bytes both ways until
// either side closes. A WebSocket's frames are parsed on the way (see
// wsTaps): its messages reach the Recorder as they pass, while the bytes
// go on unchanged.
func (p *Proxy) pipeUpgrade(ctx *martian.Context, res *http.Response, rec *record) {
	conn, brw, err := ctx.Session().Hijack()
	if err != nil {
		return
	}
	cc := conn.(*clientConn)
	cc.opaque()
	defer cc.Close()
	upstream, ok := res.Body.(io.ReadWriteCloser)
	if !ok {
		rec.finish(&session.Error{Phase: session.PhaseUpstream, Msg: "the server switched protocols on a connection siphon cannot write to"})
		return
	}
	defer upstream.Close()
	fmt.Fprintf(brw, "HTTP/1.1 %s\r\n", res.Status)
	res.Header.Write(brw)
	brw.WriteString("\r\n")
	if err := brw.Flush(); err != nil {
		rec.finish(&session.Error{Phase: session.PhaseClient, Msg: "writing the upgrade response: " + err.Error()})
		return
	}
	rl := &relayed{}
	clientR := prefixed(drain(brw.Reader), cc.Conn)
	wsID := ""
	if isWebSocket(res) {
		wsID = p.wsRelays(res, rec, rl, cc.Conn, clientR, upstream)
	}
	stop := publishStream(rec, rl)
	stats := relayTaps(cc.Conn, clientR, upstream, rl)
	stop()
	if wsID != "" {
		p.wsEnded(wsID) // before the flow says it is closed
	}
	rec.finishWith(func(f *session.Flow) { f.Stream = stats }, nil)
}

// streamEvery is how often an open WebSocket's counts are published.
const streamEvery = time.Second

// publishStream publishes rl's counts on rec's flow every streamEvery, so
// that an open connection shows its traffic, until stop is called.
func publishStream(rec *record, rl *relayed) (stop func()) {
	done := make(chan struct{})
	t := time.NewTicker(streamEvery)
	go func() {
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				s := rl.stats(time.Time{})
				rec.update(func(f *session.Flow) { f.Stream = s })
			}
		}
	}()
	return func() { close(done) }
}

// relay copies client→server and server→client until one side ends, then
// gives the other a moment to finish before both are closed by the caller.
// With frames set it counts WebSocket frames each way.
func relay(clientW io.Writer, clientR io.Reader, server io.ReadWriter, frames bool) *session.StreamStats {
	rl := &relayed{}
	if frames {
		rl.up, rl.down, _ = wsmsg.NewTaps(nil, wsmsg.Config{})
	}
	return relayTaps(clientW, clientR, server, rl)
}

// relayed counts what a relay copied; its taps (nil for a tunnel) parse
// WebSocket frames each way. Safe for concurrent use.
type relayed struct {
	upN, downN atomic.Int64
	up, down   *wsmsg.Tap
	// upR and downR, when set, relay the WebSocket (its taps are up and
	// down) until ctx ends.
	upR, downR *wsmsg.Relay
	ctx        context.Context
}

// stats returns the counts so far; closed is when the relay ended, zero
// while it runs.
func (r *relayed) stats(closed time.Time) *session.StreamStats {
	s := &session.StreamStats{BytesUp: r.upN.Load(), BytesDown: r.downN.Load(), Closed: closed}
	if r.up != nil {
		u, d := r.up.Stats(), r.down.Stats()
		s.FramesUp, s.PingsUp, s.PongsUp = u.Frames, u.Pings, u.Pongs
		s.FramesDown, s.PingsDown, s.PongsDown = d.Frames, d.Pings, d.Pongs
	}
	return s
}

// relayTaps is relay counting into rl: each chunk read goes to its
// direction's tap (when rl has taps) before it is written on, so a
// message is recorded before its last byte reaches the peer. The taps are
// closed when their direction ends.
func relayTaps(clientW io.Writer, clientR io.Reader, server io.ReadWriter, rl *relayed) *session.StreamStats {
	var wg sync.WaitGroup
	done := make(chan struct{}, 2)
	copyDir := func(dst io.Writer, src io.Reader, n *atomic.Int64, tap *wsmsg.Tap, wr *wsmsg.Relay) {
		defer wg.Done()
		if wr != nil {
			wr.Run(rl.ctx) // closes the tap
			closeWrite(dst)
			done <- struct{}{}
			return
		}
		buf := make([]byte, 32<<10)
		for {
			k, err := src.Read(buf)
			if k > 0 {
				n.Add(int64(k))
				if tap != nil {
					tap.Write(buf[:k])
				}
				if _, werr := dst.Write(buf[:k]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		if tap != nil {
			tap.Close()
		}
		closeWrite(dst)
		done <- struct{}{}
	}
	wg.Add(2)
	go copyDir(server, clientR, &rl.upN, rl.up, rl.upR)
	go copyDir(clientW, server, &rl.downN, rl.down, rl.downR)
	<-done
	// One side is finished; the other gets a short grace period (a
	// WebSocket close handshake) before both connections are closed. A
	// read deadline would not do: the origin's side of a WebSocket is
	// Go's upgraded response body, which has none, and an origin that
	// waits for a close frame would keep the relay (and Proxy.Close)
	// waiting for ever.
	cut := time.AfterFunc(relayGrace, func() {
		for _, c := range []any{clientW, server} {
			if cl, ok := c.(io.Closer); ok {
				cl.Close()
			}
		}
	})
	wg.Wait()
	cut.Stop()
	return rl.stats(time.Now())
}

// relayGrace is how long the other direction of a relay may go on once
// one direction has ended.
const relayGrace = 5 * time.Second

func closeWrite(w io.Writer) {
	if cw, ok := w.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
}

// prefixed reads b first, then r.
func prefixed(b []byte, r io.Reader) io.Reader {
	if len(b) == 0 {
		return r
	}
	return io.MultiReader(&byteReader{b: b}, r)
}

type byteReader struct{ b []byte }

func (r *byteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// prefixConn is a net.Conn whose first reads come from bytes read ahead.
type prefixConn struct {
	net.Conn
	r io.Reader
}

func (c *prefixConn) Read(b []byte) (int, error) { return c.r.Read(b) }
