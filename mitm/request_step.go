package mitm

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
)

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

// deciding reports whether the Decider is to be asked about a flow now.
func (p *Proxy) deciding() bool {
	return p.cfg.Decider != nil && !intercept.IsIdle(p.cfg.Decider)
}

// decideRequest asks the Decider what to do with a request before it goes
// upstream, waits out a breakpoint, and acts on the decision: it may edit
// the request, answer it without the origin, or end the flow (drop, kill,
// a client that hung up while paused), closing the connection.
func (p *Proxy) decideRequest(fr front, req *http.Request, rec *record, hasBody bool) {
	snap := rec.snapshot()
	if hasBody {
		snap.Request.Body.Unloaded = true
		if p.wantsBody(intercept.RequestPhase, snap) {
			snap.Request.Body, req.Body = p.buffer(req.Body, req.ContentLength)
		}
	}
	d := p.cfg.Decider.Decide(p.ctx, intercept.RequestPhase, snap)
	if d.Action == intercept.Pause {
		var ok bool
		if d, ok = p.pause(fr, rec, d); !ok {
			return
		}
	}
	if d.Action == intercept.Drop {
		p.drop(fr, rec, d.Err, "dropped by the intercept rules")
		return
	}
	if d.Request != nil {
		p.editRequest(req, rec, d.Request)
	}
	if d.Throttle != nil {
		rec.setShape(d.Throttle)
		if hasBody {
			req.Body = throttled(req.Body, d.Throttle.Bandwidth)
		}
	}
	if d.Action == intercept.Answer && d.Response != nil {
		p.sleep(d.Delay)
		// answer reads the client's body, which captures it.
		fr.answer(req, httpResponse(req, d.Response))
	}
	rec.update(func(f *session.Flow) {
		if d.Action == intercept.Answer && d.Response != nil {
			f.Source = d.Source
			if f.Source == session.Live {
				f.Source = session.Mock
			}
		}
		noteDecision(f, d)
	})
}

// noteDecision records a decision's error and note on the flow.
func noteDecision(f *session.Flow, d intercept.Decision) {
	if d.Err != nil && f.Err == nil {
		e := *d.Err
		f.Err = &e
	}
	if d.Note != "" {
		if f.Comment != "" {
			f.Comment += "; "
		}
		f.Comment += d.Note
	}
}

func (p *Proxy) wantsBody(phase intercept.Phase, f *session.Flow) bool {
	w, ok := p.cfg.Decider.(intercept.BodyWanter)
	return ok && w.WantsBody(phase, f)
}

// editRequest makes req the request r describes; the flow keeps the
// client's request as its Original.
func (p *Proxy) editRequest(req *http.Request, rec *record, r *session.Request) {
	orig := rec.snapshot().Request
	if r.Method != "" {
		req.Method = r.Method
	}
	if u, err := url.Parse(r.URL); err == nil && u.Host != "" {
		req.URL, req.Host = u, u.Host
	}
	h := r.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if host := h.Get("Host"); host != "" {
		req.Host = host
		h.Del("Host")
	}
	replace := !r.Body.Unloaded && !r.Body.Truncated
	if replace {
		// Read what is left of the client's body, so that it is captured
		// as the Original's and the connection stays in step.
		if req.Body != nil {
			io.Copy(io.Discard, req.Body)
			req.Body.Close()
		}
		req.Body, req.ContentLength = http.NoBody, int64(len(r.Body.Data))
		if len(r.Body.Data) > 0 {
			req.Body = io.NopCloser(bytes.NewReader(r.Body.Data))
		}
		req.TransferEncoding = nil
		h.Del("Transfer-Encoding")
		if req.ContentLength > 0 || h.Get("Content-Length") != "" {
			h.Set("Content-Length", strconv.Itoa(len(r.Body.Data)))
		}
	}
	req.Header = h
	sent := snapshotRequest(req)
	rec.update(func(f *session.Flow) {
		if f.Original == nil {
			f.Original = orig
		}
		if replace {
			sent.Body = session.Body{Data: r.Body.Data, Size: int64(len(r.Body.Data))}
		}
		f.Request = sent
		rec.ownBody = replace
	})
}

// drop ends a flow without an answer (see front.drop).
func (p *Proxy) drop(fr front, rec *record, e *session.Error, fallback string) {
	if e == nil {
		e = &session.Error{Phase: session.PhaseIntercept, Msg: fallback}
	}
	fr.drop()
	rec.finish(e)
}

// httpResponse turns a response snapshot into what martian sends.
func httpResponse(req *http.Request, r *session.Response) *http.Response {
	h := r.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Del("Transfer-Encoding")
	h.Set("Content-Length", strconv.Itoa(len(r.Body.Data)))
	return &http.Response{
		StatusCode:    r.Status,
		Status:        statusLine(r.Status, r.Reason),
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(r.Body.Data)),
		ContentLength: int64(len(r.Body.Data)),
		Request:       req,
	}
}

func statusLine(code int, reason string) string {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		reason = http.StatusText(code)
	}
	return fmt.Sprintf("%d %s", code, reason)
}

// stripHopHeaders removes from a request about to go upstream the headers
// that describe the client's connection (RFC 9110 §7.6.1): siphon's
// connection to the origin is its own, and an h2 origin must get none of
// them (Go's HTTP/2 transport refuses "Connection: keep-alive, X-Foo").
// "TE: trailers" is end to end in HTTP/2 (gRPC sends it) and stays; so do
// the Connection: Upgrade and Upgrade of a WebSocket handshake, which
// always goes over HTTP/1.1.
func stripHopHeaders(h http.Header) {
	trailers := hasToken(h.Values("Te"), "trailers")
	if isWebSocketUpgrade(h) && hasToken(h.Values("Connection"), "upgrade") {
		upgrade := h.Values("Upgrade")
		stripConnectionHeaders(h)
		h["Connection"], h["Upgrade"] = []string{"Upgrade"}, upgrade
	} else {
		stripConnectionHeaders(h)
	}
	if trailers {
		h.Set("Te", "trailers")
	}
}

// hasToken reports whether a comma-separated header's values list tok.
func hasToken(values []string, tok string) bool {
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			if t, _, _ = strings.Cut(t, ";"); strings.EqualFold(strings.TrimSpace(t), tok) {
				return true
			}
		}
	}
	return false
}

func isWebSocketUpgrade(h http.Header) bool {
	return strings.EqualFold(h.Get("Upgrade"), "websocket")
}
