package mitm

import (
	"crypto/tls"
	"net/http"
	"time"

	"github.com/google/martian/v3"
	"github.com/siphonproxy/siphon/session"
)

// front is what the pipeline needs of the front end that read a request
// (martian for HTTP/1.1, Go's HTTP/2 server for h2): the request and
// response steps act on a flow through it, and never see martian's types.
// Its methods run on the request's own goroutine.
type front interface {
	// answer makes siphon reply to req with res itself: the request does
	// not go upstream.
	answer(req *http.Request, res *http.Response)
	// drop ends the exchange without an answer: an HTTP/1.1 connection
	// closes, an HTTP/2 stream is reset.
	drop()
	// captureBody arranges for req's body to be captured into rec as it
	// is read, whoever reads it.
	captureBody(req *http.Request, rec *record)
	// watchHangup watches for a client that goes away while its flow is
	// paused; gone is closed when it does (nil: cannot tell). stop ends the
	// watch and must be called before the front end reads again.
	watchHangup() (gone <-chan struct{}, stop func())
}

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

// requestStep records a request that goes through the pipeline (siphon's
// own pages do not) and asks the Decider about it. The flow's record is
// returned; the request may have been answered or dropped through fr.
func (p *Proxy) requestStep(fr front, req *http.Request, st *connState, hasBody bool) *record {
	req.Header.Del("Proxy-Connection")
	req.Header.Del("Proxy-Authorization")

	f := st.newFlow(session.HTTP, snapshotRequest(req), session.Now())
	if isWebSocketUpgrade(req.Header) {
		f.Kind = session.WebSocket
	}
	rec := newRecord(p.cfg.Recorder, f)
	if hasBody {
		fr.captureBody(req, rec)
	}
	if p.deciding() {
		p.decideRequest(fr, req, rec, hasBody)
	}
	// After the snapshots: the flow shows what the client (or an edit)
	// sent; the origin gets no header about the client's connection.
	stripHopHeaders(req.Header)
	return rec
}

// responseStep records a response's head, asks the Decider about it and
// arranges for its body to be captured on the way to the client. It
// reports false when the flow ended here (dropped, or its client hung up
// while paused). A 101 is recorded and left to the front end.
func (p *Proxy) responseStep(fr front, res *http.Response, rec *record) bool {
	head := func(f *session.Flow) {
		f.Response = snapshotResponse(res)
		if res.TLS != nil {
			f.Server.TLSVersion = tls.VersionName(res.TLS.Version)
			f.Server.ALPN = res.TLS.NegotiatedProtocol
		}
		if f.Timings.FirstByte.IsZero() {
			f.Timings.FirstByte = session.Now()
		}
	}
	if res.StatusCode == http.StatusSwitchingProtocols || (hasBody(res) && res.ContentLength < 0) {
		rec.update(head) // a tunnel or stream: shown as soon as it starts
	} else {
		// Published with the body, or after headersGrace if the body is
		// slow (see publishLater).
		rec.touch(head)
		rec.publishLater(headersGrace)
	}
	if res.StatusCode == http.StatusSwitchingProtocols {
		return true
	}
	if p.deciding() {
		if !p.decideResponse(fr, res, rec) {
			return false
		}
		p.shapeResponse(res, rec)
	}
	// After the flow's snapshots: the flow keeps what the origin said.
	if !p.cfg.KeepAltSvc {
		dropHTTP3AltSvc(res.Header)
	}
	if !hasBody(res) {
		rec.finishWith(func(f *session.Flow) { f.Response.Body = session.Body{} }, nil)
		return true
	}
	respCap := newCapture(p.cfg.BodyLimit, res.ContentLength)
	res.Body = &tee{rc: res.Body, cap: respCap, end: func(err error) {
		rec.finishWith(func(f *session.Flow) { f.Response.Body = respCap.body() }, bodyError(err))
	}}
	return true
}

// capturedBody is a request body as captured so far: a *clientBody
// (HTTP/1.1) or a *streamCapture (HTTP/2).
type capturedBody interface {
	captured() session.Body
}
