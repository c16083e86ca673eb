package mitm

import (
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/google/martian/v3"
	"github.com/siphonproxy/siphon/session"
)

// modifyRequest runs on the client connection's goroutine for every request
// martian reads, CONNECT included. It may block that connection (never
// another one).
func (p *Proxy) modifyRequest(req *http.Request) error {
	ctx := martian.NewContext(req)
	st := p.stateOf(req.RemoteAddr)
	if ctx == nil || st == nil {
		return nil
	}
	cc := st.conn()
	hasBody := req.Method != http.MethodConnect && req.Body != nil && req.Body != http.NoBody && req.ContentLength != 0
	// martian serves one request at a time: the previous response is
	// written. Its final snapshot may still be held when its body ended
	// after the last write and the client had already sent this request
	// (read ahead), so neither a write nor a read released it.
	cc.held.release(false)
	cc.requestParsed(hasBody)
	var body *clientBody
	if hasBody {
		// The header limit is off while the body is read; whoever reads it
		// (the transport, or siphon answering itself), its end turns the
		// limit back on for the next request.
		body = newClientBody(ctx, req, cc)
		req.Body = body
	}

	_, tunnel := st.secure()
	if tunnel == "" && strings.HasPrefix(req.RequestURI, "/") {
		// A plain request to siphon's own address (what the connect
		// screen's QR code opens on a phone with no proxy set yet): the
		// certificate page, which needs no credentials; it serves the CA
		// certificate only, never its key.
		p.answer(ctx, req, p.certPage(req))
		return nil
	}
	// Requests inside a tunnel were authorized with its CONNECT.
	if tunnel == "" && !p.authorized(req) {
		p.demandAuth(ctx, req)
		return nil
	}
	if req.Method == http.MethodConnect {
		if st.lm != nil && st.lm.Kind == Reverse {
			p.refuseConnect(ctx, req, st)
			return nil
		}
		p.handleConnect(ctx, req, st)
		return nil
	}
	p.fixTarget(req, st)
	switch {
	case req.URL.Host == "":
		p.answer(ctx, req, textResponse(req, http.StatusBadRequest,
			"siphon: this is a proxy; send it absolute-form requests (for example curl -x http://"+st.raw.LocalAddr().String()+" URL)\n"))
		return nil
	case isCertHost(req.URL.Host), p.isSelf(req.URL.Host):
		// siphon's own address through the proxy is its page too, not a
		// request sent back into the proxy.
		p.answer(ctx, req, p.certPage(req))
		return nil
	}
	rec := p.requestStep(martianFront{p: p, ctx: ctx, cc: cc, body: body}, req, st, body != nil)
	ctx.Set(recordKey, rec)
	return nil
}

const answerKey = "siphon.answer"

// martianFront adapts martian's per-request Context to front.
type martianFront struct {
	p    *Proxy
	ctx  *martian.Context
	cc   *clientConn // nil when the connection is not known
	body *clientBody // nil when the request has no body
}

var _ front = martianFront{}

func (m martianFront) answer(req *http.Request, res *http.Response) { m.p.answer(m.ctx, req, res) }

func (m martianFront) captureBody(req *http.Request, rec *record) {
	if m.body != nil {
		m.p.teeRequestBody(req, rec, m.body)
	}
}

func (m martianFront) drop() {
	if conn, _, err := m.ctx.Session().Hijack(); err == nil {
		conn.Close()
	}
}

func (m martianFront) watchHangup() (<-chan struct{}, func()) {
	if m.cc == nil {
		return nil, func() {}
	}
	gone, stop := m.cc.watchHangup()
	return gone, func() {
		stop()
		// A pause may outlast martian's per-request deadline.
		m.cc.Conn.SetDeadline(time.Now().Add(idleTimeout))
	}
}

// answer makes siphon reply to req itself, without the origin. The
// request's body is read first (and so captured), so that the next request
// on the connection starts clean, waiting at most bodyIdleTime for each part
// of it. A body over the capture limit is not worth reading, nor one the
// client stopped sending: it is settled (see clientBody.settle) and, if
// still not read to its end, the answer closes the connection. That must
// happen here: martian closes the request body it read, which would read
// all that is left of it, however big, however slow.
func (p *Proxy) answer(ctx *martian.Context, req *http.Request, res *http.Response) {
	if b := bodyOf(req); b != nil {
		b.readIdle(p.cfg.bodyIdle)
		io.Copy(io.Discard, io.LimitReader(req.Body, p.cfg.BodyLimit+1))
		b.readIdle(0)
		if !b.settle() {
			res.Close = true
		}
	}
	ctx.SkipRoundTrip()
	ctx.Set(answerKey, res)
}

// teeRequestBody captures the request body as it is read (b, req's body,
// does the capturing) and notes on the flow a client that stopped
// sending it. The client's Expect: 100-continue is siphon's to answer
// (see clientBody), not the origin's.
func (p *Proxy) teeRequestBody(req *http.Request, rec *record, b *clientBody) {
	if strings.EqualFold(req.Header.Get("Expect"), "100-continue") {
		req.Header.Del("Expect")
	}
	b.record(clientCapture(p.cfg.BodyLimit))
	rec.reqBody = b
	keepRequestTrailers(req)
	req.Body = &tee{rc: req.Body, end: func(err error) {
		if err == nil {
			rec.noteRequestTrailer(req)
		}
		if err != nil && err != errClosedEarly {
			rec.touch(func(f *session.Flow) {
				f.Err = &session.Error{Phase: session.PhaseClient, Msg: "client stopped sending the request body: " + err.Error()}
			})
		}
	}}
}
