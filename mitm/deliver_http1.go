package mitm

import (
	"bufio"
	"fmt"
	"io"
	"net/http"

	"github.com/google/martian/v3"
	"github.com/google/martian/v3/trafficshape"
)

// modifyResponse runs on the client connection's goroutine once the
// response headers are in (or siphon answered itself). It records the
// response and arranges for its body to be captured on the way out.
func (p *Proxy) modifyResponse(res *http.Response) error {
	req := res.Request
	ctx := martian.NewContext(req)
	if ctx == nil {
		return nil
	}
	// martian writes the status line with res's version, and an h2
	// origin's would be "HTTP/2.0", which no HTTP/1.1 client reads. The
	// flow keeps the origin's version (recorded before this runs).
	defer func() {
		if res.ProtoMajor != 1 {
			res.Proto, res.ProtoMajor, res.ProtoMinor = "HTTP/1.1", 1, 1
		}
	}()
	if b := bodyOf(req); b != nil && !b.complete() {
		// What the client still sends is the rest of this body, not a
		// request: the connection serves no further one.
		res.Close = true
	}
	rec := recordOf(req)
	if v, ok := ctx.Get(answerKey); ok {
		// siphon's own answer: a page of its own (no record), or a
		// flow's mock, which is recorded like any response.
		fill(res, v.(*http.Response))
	}
	if rec == nil || rec.done() {
		return nil
	}
	cc := p.connOf(req)
	if cc != nil {
		rec.holdFinal(&cc.held)
	}
	if !p.responseStep(martianFront{p: p, ctx: ctx, cc: cc}, res, rec) {
		return nil
	}
	switch {
	case res.StatusCode == http.StatusSwitchingProtocols:
		p.pipeUpgrade(ctx, res, rec)
	case hasBody(res) && (res.ContentLength < 0 || len(res.Trailer) > 0):
		// martian writes a body of known length as it is, and an h2
		// origin's trailers with it would be lost: stream chunks it.
		p.stream(ctx, res, rec)
	case hasBody(res):
		res.Body = &closeOnBreak{ReadCloser: res.Body, left: res.ContentLength}
	}
	return nil
}

// closeOnBreak ends the client's connection when the body martian relays
// breaks off before its length: martian keeps a connection whose response
// failed part-way open for the next request, and the client, told of
// bytes it never gets, would wait for them forever. martian closes the
// connection (after writing what it has) on an error of its
// trafficshape.ErrForceClose type; the flow records the origin's error,
// read beneath.
type closeOnBreak struct {
	io.ReadCloser
	left int64 // of the length the client was told
}

func (b *closeOnBreak) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	if err != nil && (err != io.EOF || b.left > 0) {
		return n, &trafficshape.ErrForceClose{}
	}
	return n, err
}

// fill turns martian's placeholder response into siphon's own answer.
func fill(res, a *http.Response) {
	res.StatusCode, res.Status = a.StatusCode, a.Status
	res.Header = a.Header
	res.Body, res.ContentLength = a.Body, a.ContentLength
	res.Close = res.Close || a.Close
}

// stream relays a response of unknown length to the client chunk by chunk.
// martian flushes only at the end of a response, which would hold back
// server-sent events until the stream closes, so siphon takes the
// connection, writes the response itself with a flush per chunk, and then
// hands the connection back to martian for the next request.
func (p *Proxy) stream(ctx *martian.Context, res *http.Response, rec *record) {
	conn, brw, err := ctx.Session().Hijack()
	if err != nil {
		return
	}
	cc := conn.(*clientConn)
	req := res.Request
	keepAlive := req.ProtoAtLeast(1, 1) && !req.Close && !res.Close && !p.isClosing()

	h := res.Header.Clone()
	h.Del("Content-Length")
	if keepAlive {
		h.Del("Connection")
		h.Set("Transfer-Encoding", "chunked")
		announceTrailers(h, res.Trailer)
	} else {
		h.Del("Transfer-Encoding")
		h.Set("Connection", "close")
	}
	fmt.Fprintf(brw, "HTTP/1.1 %s\r\n", res.Status)
	h.Write(brw)
	brw.WriteString("\r\n")
	werr := brw.Flush()

	buf := make([]byte, 32<<10)
	for werr == nil {
		n, rerr := res.Body.Read(buf)
		if n > 0 {
			if keepAlive {
				fmt.Fprintf(brw, "%x\r\n", n)
			}
			brw.Write(buf[:n])
			if keepAlive {
				brw.WriteString("\r\n")
			}
			werr = brw.Flush()
		}
		if rerr != nil {
			if rerr == io.EOF && keepAlive {
				writeLastChunk(brw.Writer, res.Trailer)
				werr = brw.Flush()
			}
			if rerr != io.EOF {
				keepAlive = false
			}
			break
		}
	}
	res.Body.Close() // ends the flow as a client failure if we stopped early
	if werr != nil || !keepAlive {
		cc.Close()
		return
	}
	p.reserve(cc, brw.Reader)
}

// reserve gives a hijacked connection back to martian, with whatever the
// old reader had buffered, through the proxy's inner listener.
func (p *Proxy) reserve(old *clientConn, r *bufio.Reader) {
	next := old.detach(old.Conn, drain(r))
	if !p.inner.push(next) {
		next.Close()
	}
}

func (p *Proxy) isClosing() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closing
}
