package mitm

import (
	"bytes"
	"crypto/tls"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
)

// responseStep records a response's head, asks the Decider about it and
// arranges for its body to be captured on the way to the client. It
// reports false when the flow ended here (dropped, or its client hung up
// while paused). A 101 is recorded and left to the front end.
func (p *Proxy) responseStep(fr front, res *http.Response, rec *record) bool {
	head := func(f *session.Flow) {
		f.Response = responseHead(res)
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
	if !p.cfg.KeepAltSvc && len(res.Header.Values("Alt-Svc")) > 0 {
		// The flow may share the header map (see responseHead): the
		// client's copy changes, not the flow's.
		res.Header = res.Header.Clone()
		dropHTTP3AltSvc(res.Header)
	}
	if !hasBody(res) {
		rec.finishWith(func(f *session.Flow) { f.Response.Body = session.Body{} }, nil)
		return true
	}
	respCap := newCapture(p.cfg.BodyLimit, res.ContentLength)
	t := &tee{rc: res.Body, cap: respCap, end: func(err error) {
		rec.finishWith(func(f *session.Flow) {
			f.Response.Body = respCap.body()
			f.Response.Trailer = responseTrailer(res, err)
		}, bodyError(err))
	}}
	if isEndless(res) {
		// Server-sent events and NDJSON streams: the flow view shows
		// their events while the stream is open.
		t.grew = func() { rec.publishGrowth(respCap) }
	}
	res.Body = t
	return true
}

// responseHead is a response snapshot that shares res.Header, which
// nothing changes once the response step has it: a change for the client
// replaces the map (dropHTTP3AltSvc here, editResponse, stream). A copy
// per response was a tenth of the allocations siphon adds to an exchange.
func responseHead(res *http.Response) *session.Response {
	code := strconv.Itoa(res.StatusCode)
	reason := strings.TrimSpace(strings.TrimPrefix(res.Status, code))
	if reason == "" {
		reason = http.StatusText(res.StatusCode)
	}
	return &session.Response{Status: res.StatusCode, Reason: reason, Proto: res.Proto, Header: res.Header}
}

// headersGrace is how long a response's headers may wait to be published
// with its body: about the UI's refresh interval, so nobody sees the wait.
const headersGrace = 100 * time.Millisecond

// decideResponse asks the Decider what to do with a response before it
// goes to the client, waits out a breakpoint, and acts on the decision. It
// reports false when the flow ended here (killed, or its client hung up
// while paused); the connection is then closed.
func (p *Proxy) decideResponse(fr front, res *http.Response, rec *record) bool {
	snap := rec.snapshot()
	if hasBody(res) {
		snap.Response.Body.Unloaded = true
		if !isEndless(res) && p.wantsBody(intercept.ResponsePhase, snap) {
			snap.Response.Body, res.Body = p.buffer(res.Body, res.ContentLength)
		}
	}
	d := p.cfg.Decider.Decide(p.ctx, intercept.ResponsePhase, snap)
	if d.Action == intercept.Pause {
		var ok bool
		if d, ok = p.pause(fr, rec, d); !ok {
			return false
		}
	}
	if d.Action == intercept.Drop {
		p.drop(fr, rec, d.Err, "dropped by the intercept rules")
		return false
	}
	if d.Response != nil {
		editResponse(res, d.Response)
	}
	if d.Throttle != nil {
		rec.setShape(d.Throttle)
	}
	rec.update(func(f *session.Flow) {
		f.Response = snapshotResponse(res)
		noteDecision(f, d)
	})
	return true
}

// editResponse makes res the response r describes. r's body replaces the
// origin's unless it is Unloaded or Truncated, or the response has no body
// by its nature (HEAD, 204, 304), whose headers are then taken as given.
func editResponse(res *http.Response, r *session.Response) {
	res.StatusCode, res.Status = r.Status, statusLine(r.Status, r.Reason)
	h := r.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if bodiless(res) {
		res.Header = h
		return
	}
	h.Del("Transfer-Encoding")
	if !r.Body.Unloaded && !r.Body.Truncated {
		if res.Body != nil {
			res.Body.Close()
		}
		res.Body, res.ContentLength = http.NoBody, int64(len(r.Body.Data))
		if len(r.Body.Data) > 0 {
			res.Body = io.NopCloser(bytes.NewReader(r.Body.Data))
		}
		res.TransferEncoding = nil
		h.Set("Content-Length", strconv.Itoa(len(r.Body.Data)))
	} else if res.ContentLength >= 0 {
		h.Set("Content-Length", strconv.FormatInt(res.ContentLength, 10))
	} else {
		h.Del("Content-Length")
	}
	res.Header = h
}

// bodiless reports whether res can have no body whatever its headers say.
func bodiless(res *http.Response) bool {
	return (res.Request != nil && res.Request.Method == http.MethodHead) ||
		res.StatusCode < 200 || res.StatusCode == http.StatusNoContent || res.StatusCode == http.StatusNotModified
}

// isEndless reports whether a response is a stream that may never end,
// whose body must not be read ahead to decide on it.
func isEndless(res *http.Response) bool {
	if res.ContentLength >= 0 {
		// Checked first: parsing the media type costs an allocation on
		// every response.
		return false
	}
	mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	switch mt {
	case "text/event-stream", "application/x-ndjson", "application/stream+json":
		return true
	}
	return false
}

func hasBody(res *http.Response) bool {
	switch {
	case res.Body == nil, res.Body == http.NoBody, res.ContentLength == 0:
		return false
	case res.Request != nil && res.Request.Method == http.MethodHead:
		return false
	case res.StatusCode == http.StatusNoContent, res.StatusCode == http.StatusNotModified, res.StatusCode < 200:
		return false
	}
	return true
}
