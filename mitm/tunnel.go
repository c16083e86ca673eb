package mitm

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/google/martian/v3"
	"github.com/siphonproxy/siphon/session"
)

// pipeUpgrade relays a connection the origin switched to another protocol
// (WebSocket): martian would wait for a response body that never ends, so
// siphon takes the client connection and copies bytes both ways, counting
// WebSocket frames, until either side closes.
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
	stats := relay(cc.Conn, prefixed(drain(brw.Reader), cc.Conn), upstream, true)
	rec.finishWith(func(f *session.Flow) { f.Stream = stats }, nil)
}

// relay copies client→server and server→client until one side ends, then
// gives the other a moment to finish before both are closed by the caller.
func relay(clientW io.Writer, clientR io.Reader, server io.ReadWriter, frames bool) *session.StreamStats {
	var up, down frameCounter
	var upN, downN int64
	var wg sync.WaitGroup
	done := make(chan struct{}, 2)
	copyDir := func(dst io.Writer, src io.Reader, n *int64, fc *frameCounter) {
		defer wg.Done()
		buf := make([]byte, 32<<10)
		for {
			k, err := src.Read(buf)
			if k > 0 {
				*n += int64(k)
				if frames {
					fc.feed(buf[:k])
				}
				if _, werr := dst.Write(buf[:k]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		closeWrite(dst)
		done <- struct{}{}
	}
	wg.Add(2)
	go copyDir(server, clientR, &upN, &up)
	go copyDir(clientW, server, &downN, &down)
	<-done
	// One side is finished; the other gets a short grace period (a
	// WebSocket close handshake) before its reads are cut.
	deadline := time.Now().Add(5 * time.Second)
	for _, c := range []any{clientW, server} {
		if d, ok := c.(interface{ SetReadDeadline(time.Time) error }); ok {
			d.SetReadDeadline(deadline)
		}
	}
	wg.Wait()
	return &session.StreamStats{BytesUp: upN, BytesDown: downN, FramesUp: up.frames, FramesDown: down.frames, Closed: time.Now()}
}

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

// frameCounter counts WebSocket frames in one direction of a byte stream
// by reading just the frame headers (RFC 6455 §5.2) and skipping payloads.
type frameCounter struct {
	hdr    [14]byte
	have   int
	skip   uint64
	frames int64
}

func (c *frameCounter) feed(p []byte) {
	for len(p) > 0 {
		if c.skip > 0 {
			k := uint64(len(p))
			if k > c.skip {
				k = c.skip
			}
			c.skip -= k
			p = p[k:]
			continue
		}
		c.hdr[c.have] = p[0]
		c.have++
		p = p[1:]
		if c.have < 2 {
			continue
		}
		need, l7 := 2, c.hdr[1]&0x7f
		switch l7 {
		case 126:
			need += 2
		case 127:
			need += 8
		}
		if c.hdr[1]&0x80 != 0 {
			need += 4
		}
		if c.have < need {
			continue
		}
		n := uint64(l7)
		switch l7 {
		case 126:
			n = uint64(binary.BigEndian.Uint16(c.hdr[2:4]))
		case 127:
			n = binary.BigEndian.Uint64(c.hdr[2:10])
		}
		c.skip, c.have = n, 0
		c.frames++
	}
}
