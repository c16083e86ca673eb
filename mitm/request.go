package mitm

import (
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/google/martian/v3"
	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
)

const answerKey = "siphon.answer"

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
	cc.requestParsed(hasBody)
	var body *clientBody
	if hasBody {
		// The header limit is off while the body is read; whoever reads it
		// (the transport, or siphon answering itself), its end turns the
		// limit back on for the next request.
		body = newClientBody(ctx, req, cc)
		req.Body = body
	}

	// Requests inside a tunnel were authorized with its CONNECT.
	if _, tunnel := st.secure(); tunnel == "" && !p.authorized(req) {
		p.demandAuth(ctx, req)
		return nil
	}
	if req.Method == http.MethodConnect {
		p.handleConnect(ctx, req, st)
		return nil
	}
	p.fixTarget(req, st)
	switch {
	case req.URL.Host == "":
		p.answer(ctx, req, textResponse(req, http.StatusBadRequest,
			"siphon: this is a proxy; send it absolute-form requests (for example curl -x http://"+st.raw.LocalAddr().String()+" URL)\n"))
		return nil
	case isCertHost(req.URL.Host):
		p.answer(ctx, req, p.certPage(req))
		return nil
	case p.isSelf(req.URL.Host):
		p.answer(ctx, req, p.infoPage(req))
		return nil
	}
	rec := p.requestStep(martianFront{p: p, ctx: ctx, cc: cc, body: body}, req, st, body != nil)
	ctx.Set(recordKey, rec)
	return nil
}

// deciding reports whether the Decider is to be asked about a flow now.
func (p *Proxy) deciding() bool {
	return p.cfg.Decider != nil && !intercept.IsIdle(p.cfg.Decider)
}

// teeRequestBody captures the request body as it is read (b, req's body,
// does the capturing) and notes on the flow a client that stopped
// sending it. The client's Expect: 100-continue is siphon's to answer
// (see clientBody), not the origin's.
func (p *Proxy) teeRequestBody(req *http.Request, rec *record, b *clientBody) {
	if strings.EqualFold(req.Header.Get("Expect"), "100-continue") {
		req.Header.Del("Expect")
	}
	b.record(newCapture(p.cfg.BodyLimit, req.ContentLength))
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

// fixTarget completes the URL of a request read inside a tunnel: martian
// sees our wrapped connection, not a *tls.Conn, so it cannot tell HTTPS.
func (p *Proxy) fixTarget(req *http.Request, st *connState) {
	state, connectHost := st.secure()
	if state != nil {
		req.URL.Scheme = "https"
		req.TLS = state
	}
	if connectHost == "" {
		return
	}
	if req.URL.Host == "" {
		req.URL.Host = connectHost
		return
	}
	host, port, err := net.SplitHostPort(connectHost)
	if err != nil || req.URL.Port() != "" || !strings.EqualFold(req.URL.Hostname(), host) {
		return
	}
	if (req.URL.Scheme == "https" && port != "443") || (req.URL.Scheme == "http" && port != "80") {
		req.URL.Host = connectHost
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

func isWebSocketUpgrade(h http.Header) bool {
	return strings.EqualFold(h.Get("Upgrade"), "websocket")
}
