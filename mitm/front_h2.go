package mitm

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/siphonproxy/siphon/session"
)

// newStreamServer is the HTTP/2 front end: a plain http.Server with no TLS
// config, fed the *tls.Conn of every MITM'd connection that negotiated h2
// (see handleConnect), on which it speaks HTTP/2 and calls serveStream
// once per stream. Its defaults are kept on purpose: the round-robin write
// scheduler (the priority one panics on resets), and no RFC 8441 extended
// CONNECT, so browsers open WebSockets over HTTP/1.1, which martian serves.
func (p *Proxy) newStreamServer(log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:     http.HandlerFunc(p.serveStream),
		IdleTimeout: idleTimeout,
		// A stream siphon does not read (held at a breakpoint beyond the
		// capture limit, or waiting on a slow origin) keeps up to its
		// window of unread data, which counts against the connection's
		// window too. Go's default connection window is one stream's
		// (1 MiB), so one such upload would stall every other upload on
		// the connection; 16 streams' worth bounds what a client
		// connection can make siphon hold without that.
		HTTP2: &http.HTTP2Config{MaxReceiveBufferPerStream: 1 << 20, MaxReceiveBufferPerConnection: 16 << 20},
		// Go's server logs bad frames and prefaces; the user sees failed
		// flows instead, and the log is the proxy's own.
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug),
		ConnState: func(c net.Conn, s http.ConnState) {
			if s == http.StateClosed || s == http.StateHijacked {
				if st := p.stateOf(c.RemoteAddr().String()); st != nil {
					p.forget(st)
				}
			}
		},
	}
}

// serveH2 hands a client connection that negotiated h2 to the HTTP/2
// front end, and retires martian's wrapper of it.
func (p *Proxy) serveH2(cc *clientConn, conn net.Conn) {
	cc.detached.Store(true)
	if !p.streams.push(conn) {
		conn.Close()
	}
}

// serveStream runs one HTTP/2 stream through the pipeline, on the
// stream's own goroutine: a paused or slow stream holds up no other.
func (p *Proxy) serveStream(w http.ResponseWriter, r *http.Request) {
	st := p.stateOf(r.RemoteAddr)
	if st == nil {
		panic(http.ErrAbortHandler) // the connection is being closed
	}
	// The stream's context ends when the client resets it or goes away.
	// Until the response comes, the round trip is cancelled with
	// errClientGone as the cause, as martian's requests are (see
	// clientWatch), to blame the client; after, the response body is
	// closed (see below).
	ctx, cancel := context.WithCancelCause(context.WithoutCancel(r.Context()))
	defer cancel(nil)
	stopWatch := context.AfterFunc(r.Context(), func() { cancel(errClientGone) })
	defer stopWatch()

	body := &streamBody{ReadCloser: r.Body}
	req := r.Clone(ctx)
	// The server fills r's Trailer map (announced trailers only) at the
	// body's end; a clone of it would stay empty.
	req.Trailer = r.Trailer
	req.Body, req.RequestURI = body, ""
	if r.ContentLength == 0 {
		// No body (the stream ended with its headers): Go's transport
		// would take the wrapper for one of unknown length, and send an
		// h2 origin an empty DATA frame after the headers.
		req.Body = http.NoBody
	}
	if r.Method == http.MethodConnect && st.lm != nil && st.lm.Kind == Reverse {
		// As over HTTP/1.1 (refuseConnect). An extended CONNECT (RFC
		// 8441) never gets here: the server does not offer it, and
		// resets such a stream.
		p.deliver(w, p.refusedConnect(req, st))
		return
	}
	req.URL.Scheme, req.URL.Host = "https", r.Host
	p.fixTarget(req, st)
	if isCertHost(req.URL.Host) || p.isSelf(req.URL.Host) {
		p.deliver(w, p.certPage(req))
		return
	}

	fr := &streamFront{p: p, w: w, body: body, gone: r.Context().Done()}
	hasBody := r.ContentLength != 0
	rec := p.requestStep(fr, req, st, hasBody)
	if fr.dropped {
		panic(http.ErrAbortHandler) // RST_STREAM
	}
	res := fr.res
	if res == nil && r.Context().Err() != nil {
		// Reset already (one of many a client opens and resets at once,
		// say): nothing to ask the origin for.
		rec.finish(&session.Error{Phase: session.PhaseClient, Msg: errStreamReset.Error()})
		panic(http.ErrAbortHandler)
	}
	if res == nil {
		var err error
		res, err = p.rt.RoundTrip(req.WithContext(context.WithValue(ctx, recordCtxKey{}, rec)))
		if err != nil { // only for requests without a record; kept for safety
			res = errorResponse(req, classify(err, req.URL.Host))
		}
	}
	res.Request = req
	if rec.done() {
		// The round trip failed and its flow is complete: res explains.
		p.deliver(w, res)
		return
	}
	stopWatch()
	if !p.responseStep(fr, res, rec) {
		if res.Body != nil {
			res.Body.Close()
		}
		panic(http.ErrAbortHandler)
	}
	// A client that goes away now fails to take the body: closing it
	// (the capture first) ends the flow as the client's failure, not as
	// a broken upstream, and the upstream request with it.
	resBody := res.Body
	defer context.AfterFunc(r.Context(), func() { resBody.Close() })()
	if err := p.deliver(w, res); err != nil {
		// The client must not take a cut-off body for a whole one.
		panic(http.ErrAbortHandler)
	}
}

var errStreamReset = errors.New("the client reset the stream before siphon sent the request on")

// streamFront is the pipeline's front for one HTTP/2 stream.
type streamFront struct {
	p    *Proxy
	w    http.ResponseWriter
	body *streamBody
	gone <-chan struct{}

	res     *http.Response // siphon's own answer, if any
	dropped bool
}

var _ front = (*streamFront)(nil)

// answer reads what the client sends of its body within drainTime (up to
// the capture limit, so that a mock's flow shows the upload) before the
// answer goes out, so that a client still sending is not reset mid-send
// for no reason. Streams are independent: whatever is left unread does not
// spoil the connection.
func (s *streamFront) answer(req *http.Request, res *http.Response) {
	if req.Body != nil && req.Body != http.NoBody {
		s.body.draining.Store(true)
		rc := http.NewResponseController(s.w)
		rc.SetReadDeadline(time.Now().Add(drainTime))
		io.Copy(io.Discard, io.LimitReader(req.Body, s.p.cfg.BodyLimit+1))
		rc.SetReadDeadline(time.Time{})
		s.body.draining.Store(false)
	}
	// No origin spoke: the flow records the protocol the client got.
	res.Proto, res.ProtoMajor, res.ProtoMinor = req.Proto, req.ProtoMajor, req.ProtoMinor
	s.res = res
}

// captureBody captures the stream's body as it is read. Go's server
// answers the client's Expect: 100-continue when the body is first read.
func (s *streamFront) captureBody(req *http.Request, rec *record) {
	req.Header.Del("Expect")
	c := &streamCapture{capture: clientCapture(s.p.cfg.BodyLimit), length: req.ContentLength}
	rec.reqBody = c
	req.Body = &tee{rc: req.Body, cap: c.capture, end: func(err error) {
		if err == nil {
			c.complete.Store(true)
			rec.noteRequestTrailer(req)
		}
		if err != nil && err != errClosedEarly {
			rec.touch(func(f *session.Flow) {
				f.Err = &session.Error{Phase: session.PhaseClient, Msg: "client stopped sending the request body: " + err.Error()}
			})
		}
	}}
}

func (s *streamFront) drop() { s.dropped = true }

func (s *streamFront) watchHangup() (<-chan struct{}, func()) { return s.gone, func() {} }

// streamCapture is what was captured of an HTTP/2 request body. One not
// read to its end is marked truncated, as clientBody's is: what siphon kept
// is the start of a body of the size the client declared (unknown when it
// declared none).
type streamCapture struct {
	*capture
	length   int64
	complete atomic.Bool
}

func (c *streamCapture) captured() session.Body {
	body := c.body()
	if !c.complete.Load() && (c.length < 0 || body.Size < c.length) {
		body.Truncated = true
		body.Size = max(body.Size, c.length)
	}
	return body
}

// streamBody is an HTTP/2 request body. A read that answer's drain cut
// short is not the client's failure: it reads as errClosedEarly.
type streamBody struct {
	io.ReadCloser
	draining atomic.Bool
}

func (b *streamBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && b.draining.Load() && errors.Is(err, os.ErrDeadlineExceeded) {
		err = errClosedEarly
	}
	return n, err
}
