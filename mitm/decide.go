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
