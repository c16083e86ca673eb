package mitm

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/google/martian/v3"
	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
)

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
	mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	switch mt {
	case "text/event-stream", "application/x-ndjson", "application/stream+json":
		return res.ContentLength < 0
	}
	return false
}

// connOf finds the HTTP/1.1 client connection a request arrived on; nil
// for requests martian did not read (HTTP/2 streams share a connection,
// and learn of hang-ups through their context).
func (p *Proxy) connOf(req *http.Request) *clientConn {
	if martian.NewContext(req) == nil {
		return nil
	}
	st := p.stateOf(req.RemoteAddr)
	if st == nil {
		return nil
	}
	return st.conn()
}
