package session

import (
	"math"
	"net/http"
	"unsafe"
)

// A committed flow's light snapshot (light.go) is still a Flow, a Request
// and a Response: ~560 bytes of structs a flow, most of them strings
// every flow repeats (method, protocols, content types, listener, the
// origin's address). A plain flow, the common kind, is kept in a compact
// row instead (issue 17: a million flows in a few hundred MiB): the
// strings every flow repeats go in one interned shape, the URL and the
// client's address in an append-only arena, the thirteen timings as two
// moments and eleven 32-bit offsets. Readers get the very same light
// snapshot back (compactRow.flow), built when asked for. A flow that does
// not fit (an error, a stream, an edited request, a comment, gRPC status
// fields, a timing more than two seconds from its base) keeps its light
// Flow.

// compactRow is a plain committed flow, as small as it can be; its fields
// are never modified once it is published.
type compactRow struct {
	shape *shape
	// strs is the URL followed by the client's address, in the store's
	// arena: one string header for the two.
	strs      string
	seq       int64
	received  Stamp // Timings.RequestReceived
	connected Stamp // Timings.ClientConnect
	respSize  int64
	reqSize   int32
	offsets   [len(offsetFields)]int32 // the other timings, see offsetFields
	urlLen    uint16
	status    int16
	flags     uint8
}

// compactRow.flags.
const (
	rowMarked uint8 = 1 << iota
	rowReqTruncated
	rowRespTruncated
	rowResponse // the flow has a Response
)

// noStamp is the offset of a timing that did not happen.
const noStamp = math.MinInt32

// offsetFields are the timings a compactRow keeps as offsets, and from
// which moment: the client's TLS handshake from its connection, the rest
// from the request.
var offsetFields = [...]struct {
	get       func(*Timings) *Stamp
	connected bool
}{
	{func(t *Timings) *Stamp { return &t.ClientTLSStart }, true},
	{func(t *Timings) *Stamp { return &t.ClientTLSDone }, true},
	{func(t *Timings) *Stamp { return &t.DNSStart }, false},
	{func(t *Timings) *Stamp { return &t.DNSDone }, false},
	{func(t *Timings) *Stamp { return &t.ConnectStart }, false},
	{func(t *Timings) *Stamp { return &t.ConnectDone }, false},
	{func(t *Timings) *Stamp { return &t.TLSStart }, false},
	{func(t *Timings) *Stamp { return &t.TLSDone }, false},
	{func(t *Timings) *Stamp { return &t.RequestSent }, false},
	{func(t *Timings) *Stamp { return &t.FirstByte }, false},
	{func(t *Timings) *Stamp { return &t.Complete }, false},
}

// shapeKey is what many flows share: every field of a plain flow's light
// snapshot but its URL, client address, numbers and timings. Shapes are
// interned by key.
type shapeKey struct {
	state               State
	source              Source
	kind                Kind
	method, reqProto    string
	respProto, reason   string
	reqCT, respCT       string // the one Content-Type value, "" without
	hasReqCT, hasRespCT bool
	listener            string
	clientSNI           string
	clientTLS           string
	clientALPN          string
	server              Peer
}

// shape is an interned shapeKey with the light headers its flows share
// (read-only, nil without a Content-Type).
type shape struct {
	shapeKey
	reqHeader, respHeader http.Header
}

// shapeLimit bounds the interned shapes; a flow of a new shape past it
// keeps its light Flow (a session with 65,536 shapes is not one whose
// memory matters).
const shapeLimit = 1 << 16

// arenaChunk is the size of the arena's blocks; strings longer than
// arenaChunk/8 keep their own allocation.
const arenaChunk = 64 << 10

// compactor turns light snapshots into compact rows: the store's interned
// shapes and string arena. It is used
// under Store.mu, or by the one goroutine loading a file.
type compactor struct {
	shapes map[shapeKey]*shape
	arena  []byte // the current block, appended to up to its capacity
}

func newCompactor() *compactor {
	return &compactor{shapes: make(map[shapeKey]*shape)}
}

// str2 returns a+b as a string in the arena: one block for many small
// strings instead of an allocation each. Blocks are never written twice,
// so the strings stay valid as long as a row refers to them.
func (c *compactor) str2(a, b string) string {
	n := len(a) + len(b)
	switch {
	case n == 0:
		return ""
	case n > arenaChunk/8:
		return a + b
	}
	if len(c.arena)+n > cap(c.arena) {
		c.arena = make([]byte, 0, arenaChunk)
	}
	start := len(c.arena)
	c.arena = append(append(c.arena, a...), b...)
	return unsafe.String(&c.arena[start], n)
}

// row returns the compact form of f, a light snapshot, or ok false when f
// is not a plain flow.
func (c *compactor) row(f *Flow) (_ *compactRow, ok bool) {
	if !f.HeadersUnloaded || f.Request == nil || f.Original != nil || f.Err != nil || f.Stream != nil ||
		f.Comment != "" || f.Messages != nil || f.Request.Trailer != nil || !bodiesUnloaded(f) {
		return nil, false
	}
	sh := shapeKey{state: f.State, source: f.Source, kind: f.Kind,
		method: f.Request.Method, reqProto: f.Request.Proto, listener: f.Listener,
		clientSNI: f.Client.SNI, clientTLS: f.Client.TLSVersion, clientALPN: f.Client.ALPN, server: f.Server}
	var ok1, ok2 bool
	if sh.reqCT, sh.hasReqCT, ok1 = onlyCT(f.Request.Header); !ok1 {
		return nil, false
	}
	q := f.Request
	if q.Body.Size != int64(int32(q.Body.Size)) || len(q.URL) > math.MaxUint16 {
		return nil, false
	}
	r := &compactRow{seq: f.Seq, status: noStatus, reqSize: int32(q.Body.Size), urlLen: uint16(len(q.URL)),
		received: f.Timings.RequestReceived, connected: f.Timings.ClientConnect}
	if f.Request.Body.Truncated {
		r.flags |= rowReqTruncated
	}
	if f.Marked {
		r.flags |= rowMarked
	}
	if p := f.Response; p != nil {
		if p.Trailer != nil || p.Status != int(int16(p.Status)) {
			return nil, false
		}
		if sh.respCT, sh.hasRespCT, ok2 = onlyCT(p.Header); !ok2 {
			return nil, false
		}
		sh.respProto, sh.reason = p.Proto, p.Reason
		r.flags |= rowResponse
		r.status, r.respSize = int16(p.Status), p.Body.Size
		if p.Body.Truncated {
			r.flags |= rowRespTruncated
		}
	}
	for i, fld := range offsetFields {
		base := r.received
		if fld.connected {
			base = r.connected
		}
		t := *fld.get(&f.Timings)
		switch d := int64(t) - int64(base); {
		case t == 0:
			r.offsets[i] = noStamp
		case base == 0 || d <= noStamp || d > math.MaxInt32:
			return nil, false
		default:
			r.offsets[i] = int32(d)
		}
	}
	if r.shape = c.shapes[sh]; r.shape == nil {
		if len(c.shapes) >= shapeLimit {
			return nil, false
		}
		sh.method, sh.reqProto, sh.respProto = clone(sh.method), clone(sh.reqProto), clone(sh.respProto)
		sh.reason, sh.listener = clone(sh.reason), clone(sh.listener)
		p := &shape{shapeKey: sh, reqHeader: f.Request.Header}
		if f.Response != nil {
			p.respHeader = f.Response.Header
		}
		c.shapes[sh] = p
		r.shape = p
	}
	r.strs = c.str2(q.URL, f.Client.Addr)
	return r, true
}

// noStatus is never a row's status: rows have a status only with a
// Response (rowResponse).
const noStatus = 0

// clone copies a string that may point into a larger one (a URL, a
// header line) so that an interned shape does not keep the rest alive.
func clone(s string) string {
	if s == "" {
		return ""
	}
	return string(append([]byte(nil), s...))
}

// onlyCT reads a light header: its Content-Type value if it has exactly
// one. ok is false for anything else a light header may hold (several
// values, gRPC status fields), which a compact row cannot.
func onlyCT(h http.Header) (ct string, has, ok bool) {
	switch {
	case h == nil:
		return "", false, true
	case len(h) == 1 && len(h["Content-Type"]) == 1:
		return h["Content-Type"][0], true, true
	}
	return "", false, false
}

// bodiesUnloaded reports whether every body of f is Unloaded with no
// bytes, as in the store's snapshots.
func bodiesUnloaded(f *Flow) bool {
	for _, b := range bodyRefs(f) {
		if b != nil && (!b.Unloaded || b.Data != nil) {
			return false
		}
	}
	return true
}

// flow returns the light snapshot r stands for, the flow with ID id: a
// new Flow each call, sharing only read-only header maps with others.
func (r *compactRow) flow(id string) *Flow {
	return r.flowInto(id, new(scratch))
}

// scratch is the memory of one snapshot built from a compact row, reused
// by a loop that matches or sorts many flows and keeps none of them.
type scratch struct {
	f    Flow
	req  Request
	resp Response
}

// flowInto is flow, built in sc: valid until sc is used again.
func (r *compactRow) flowInto(id string, sc *scratch) *Flow {
	sh := r.shape
	sc.req = Request{Method: sh.method, URL: r.strs[:r.urlLen], Proto: sh.reqProto, Header: sh.reqHeader,
		Body: Body{Size: int64(r.reqSize), Truncated: r.flags&rowReqTruncated != 0, Unloaded: true}}
	sc.f = Flow{ID: id, Seq: r.seq, State: sh.state, Source: sh.source, Kind: sh.kind,
		Client:  Peer{Addr: r.strs[r.urlLen:], SNI: sh.clientSNI, TLSVersion: sh.clientTLS, ALPN: sh.clientALPN},
		Server:  sh.server,
		Request: &sc.req,
		Marked:  r.flags&rowMarked != 0, HeadersUnloaded: true, Listener: sh.listener,
	}
	if r.flags&rowResponse != 0 {
		sc.resp = Response{Status: int(r.status), Reason: sh.reason, Proto: sh.respProto, Header: sh.respHeader,
			Body: Body{Size: r.respSize, Truncated: r.flags&rowRespTruncated != 0, Unloaded: true}}
		sc.f.Response = &sc.resp
	}
	t := &sc.f.Timings
	t.RequestReceived, t.ClientConnect = r.received, r.connected
	for i, fld := range offsetFields {
		if d := r.offsets[i]; d != noStamp {
			base := r.received
			if fld.connected {
				base = r.connected
			}
			*fld.get(t) = base + Stamp(d)
		}
	}
	return &sc.f
}
