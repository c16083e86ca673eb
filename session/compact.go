package session

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"net/http"
	"unsafe"
)

// A committed flow's light snapshot (light.go) is still a Flow, a Request
// and a Response: ~560 bytes of structs a flow, most of them strings
// every flow repeats (method, protocols, content types, listener, the
// origin's address). A plain flow, the common kind, is kept in a compact
// row instead (issue 17: a million flows in a few hundred MiB): the
// strings every flow repeats go in one interned shape; the URL, the
// client's address, the timings (as varint offsets from the request's
// arrival) and the body sizes in an append-only arena; a 48-byte row
// points at both. Readers get the very same light snapshot back
// (compactRow.flow), built when asked for. A flow that does not fit (an
// error, a stream, an edited request, a comment, gRPC status fields, a
// URL over 64 KiB) keeps its light Flow.

// compactRow is a plain committed flow, as small as it can be (48
// bytes); its fields are never modified once it is published.
type compactRow struct {
	shape *shape
	// strs is, in the store's arena, the URL, the client's address, then
	// the numbers (see appendNumbers).
	strs      string
	seq       int64
	received  Stamp // Timings.RequestReceived
	urlLen    uint16
	status    int16
	clientLen uint8
	flags     uint8
}

// compactRow.flags.
const (
	rowMarked uint8 = 1 << iota
	rowReqTruncated
	rowRespTruncated
	rowResponse // the flow has a Response
)

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
// shapes and string arena. The one goroutine loading a file uses it all;
// then the writer's goroutine alone uses shapes, arena and rows (see
// Store.lighten), and entries is used under Store.mu.
type compactor struct {
	shapes map[shapeKey]*shape
	arena  []byte // the current block, appended to up to its capacity
	// rows and entries are the current slabs new rows and entries are
	// taken from (see slabSize).
	rows    []compactRow
	entries []entry
}

// slabSize is how many rows, or entries, are allocated together: a pass
// over a million flows then reads them in the order they lie in memory
// instead of one cache miss after another (the filter benchmark spent a
// third of its time waiting on its first touch of each entry). A slab
// lives as long as one of its rows or entries is referred to: deleting
// flows frees their memory only with their slab's last.
const slabSize = 256

// newRow returns a new zero row from the current slab.
func (c *compactor) newRow() *compactRow {
	if len(c.rows) == 0 {
		c.rows = make([]compactRow, slabSize)
	}
	r := &c.rows[0]
	c.rows = c.rows[1:]
	return r
}

// newEntry returns a new zero entry from the current slab. Entries of
// flows added one after another lie side by side, as the store's order
// has them.
func (c *compactor) newEntry() *entry {
	if len(c.entries) == 0 {
		c.entries = make([]entry, slabSize)
	}
	e := &c.entries[0]
	c.entries = c.entries[1:]
	return e
}

func newCompactor() *compactor {
	return &compactor{shapes: make(map[shapeKey]*shape)}
}

// str3 returns a+b+c as a string in the arena: one block for many small
// strings instead of an allocation each. Blocks are never written twice,
// so the strings stay valid as long as a row refers to them.
func (k *compactor) str3(a, b string, c []byte) string {
	n := len(a) + len(b) + len(c)
	if n > arenaChunk/8 {
		return a + b + string(c)
	}
	if len(k.arena)+n > cap(k.arena) {
		k.arena = make([]byte, 0, arenaChunk)
	}
	start := len(k.arena)
	k.arena = append(append(append(k.arena, a...), b...), c...)
	return unsafe.String(&k.arena[start], n)
}

// row returns the compact form of the light snapshot of f, or ok false
// when f is not a plain flow. f is a light snapshot, or a committed flow
// with its headers (then ct shares the light headers' Content-Type maps):
// making the light snapshot first would allocate one per flow for nothing.
func (c *compactor) row(f *Flow, ct ctypes) (_ *compactRow, ok bool) {
	if f.Request == nil || f.Original != nil || f.Err != nil || f.Stream != nil ||
		f.Comment != "" || f.Messages != nil || !bodiesUnloaded(f) || !lightTrailerNil(f.HeadersUnloaded, f.Request.Trailer) {
		return nil, false
	}
	if _, ok := parseID(f.ID); !ok {
		return nil, false // an odd ID lives in the light Flow (flowid.go)
	}
	sh := shapeKey{state: f.State, source: f.Source, kind: f.Kind,
		method: f.Request.Method, reqProto: f.Request.Proto, listener: f.Listener,
		clientSNI: f.Client.SNI, clientTLS: f.Client.TLSVersion, clientALPN: f.Client.ALPN, server: f.Server}
	var ok1, ok2 bool
	if sh.reqCT, sh.hasReqCT, ok1 = onlyCT(f.HeadersUnloaded, f.Request.Header); !ok1 {
		return nil, false
	}
	q := f.Request
	if len(q.URL) > math.MaxUint16 || len(f.Client.Addr) > math.MaxUint8 || f.Timings.RequestReceived == 0 {
		return nil, false
	}
	r := compactRow{seq: f.Seq, status: noStatus, received: f.Timings.RequestReceived,
		urlLen: uint16(len(q.URL)), clientLen: uint8(len(f.Client.Addr))}
	if f.Request.Body.Truncated {
		r.flags |= rowReqTruncated
	}
	if f.Marked {
		r.flags |= rowMarked
	}
	if p := f.Response; p != nil {
		if !lightTrailerNil(f.HeadersUnloaded, p.Trailer) || p.Status != int(int16(p.Status)) {
			return nil, false
		}
		if sh.respCT, sh.hasRespCT, ok2 = onlyCT(f.HeadersUnloaded, p.Header); !ok2 {
			return nil, false
		}
		sh.respProto, sh.reason = p.Proto, p.Reason
		r.flags |= rowResponse
		r.status = int16(p.Status)
		if p.Body.Truncated {
			r.flags |= rowRespTruncated
		}
	}
	if r.shape = c.shapes[sh]; r.shape == nil {
		if len(c.shapes) >= shapeLimit {
			return nil, false
		}
		sh.method, sh.reqProto, sh.respProto = clone(sh.method), clone(sh.reqProto), clone(sh.respProto)
		sh.reason, sh.listener = clone(sh.reason), clone(sh.listener)
		sh.reqCT, sh.respCT = clone(sh.reqCT), clone(sh.respCT)
		sh.clientSNI, sh.clientTLS, sh.clientALPN = clone(sh.clientSNI), clone(sh.clientTLS), clone(sh.clientALPN)
		sh.server = Peer{Addr: clone(sh.server.Addr), SNI: clone(sh.server.SNI), TLSVersion: clone(sh.server.TLSVersion), ALPN: clone(sh.server.ALPN)}
		p := &shape{shapeKey: sh, reqHeader: lightHeader(f.HeadersUnloaded, f.Request.Header, ct)}
		if f.Response != nil {
			p.respHeader = lightHeader(f.HeadersUnloaded, f.Response.Header, ct)
		}
		c.shapes[sh] = p
		r.shape = p
	}
	var nb [2 + (len(timingFields)+2)*binary.MaxVarintLen64]byte
	r.strs = c.str3(q.URL, f.Client.Addr, appendNumbers(nb[:0], f))
	p := c.newRow()
	*p = r
	return p, true
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

// onlyCT reads what the light form of h (h itself when light) holds: its
// Content-Type value if it has exactly one. ok is false for anything else
// a light header may hold (several values, gRPC status fields), which a
// compact row cannot.
func onlyCT(light bool, h http.Header) (ct string, has, ok bool) {
	if !light && hasStatus(h) {
		return "", false, false
	}
	vs := h["Content-Type"]
	switch {
	case light && len(h) > 1, len(vs) > 1:
		return "", false, false
	case len(vs) == 1:
		return vs[0], true, true
	case light && h != nil: // an empty light header is not nil: keep it as it is
		return "", false, false
	}
	return "", false, true
}

// lightTrailerNil reports whether the light form of the trailer tr (tr itself
// when light) is nil, as a compact row has it.
func lightTrailerNil(light bool, tr http.Header) bool {
	if light {
		return tr == nil
	}
	return !hasStatus(tr)
}

// hasStatus reports whether h has a gRPC status field, which light
// snapshots keep (lightgrpc.go).
func hasStatus(h http.Header) bool {
	for _, k := range lightStatusKeys {
		if _, ok := h[k]; ok {
			return true
		}
	}
	return false
}

// lightHeader is the light form of h, shared (h itself when light).
func lightHeader(light bool, h http.Header, ct ctypes) http.Header {
	if light {
		return h
	}
	return ct.ctypeHeader(h)
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
	// ids holds the hex IDs of the snapshots built here: a filter over a
	// million compact rows would otherwise allocate a million 32-byte
	// strings (83 ms for the filter benchmark became 222 ms). Bytes once
	// written are never changed; a new chunk is started when one is full,
	// so an ID a caller keeps stays valid (and keeps its chunk alive:
	// listed clones the ID of what it keeps).
	ids []byte
	// noIDs leaves the IDs out of the snapshots (see IDMatcher).
	noIDs bool
	// shape is the shape of the last row built here, whose fields f,
	// req and resp hold.
	shape *shape
}

// idChunk is the size of scratch.ids: 1,024 IDs.
const idChunk = 32 << 10

// id returns the ID of e, a compact row, its bytes in sc.ids.
func (sc *scratch) id(e *entry) string {
	if cap(sc.ids)-len(sc.ids) < 2*len(e.key) {
		sc.ids = make([]byte, 0, idChunk)
	}
	start := len(sc.ids)
	sc.ids = hex.AppendEncode(sc.ids, e.key[:])
	return unsafe.String(&sc.ids[start], 2*len(e.key))
}

// flowInto is flow, built in sc: valid until sc is used again. A pass
// over many rows spends most of its time here: the fields every flow of
// a shape shares are set only when the shape changes from the previous
// row built in sc (matchers modify no snapshot), the rest field by field.
func (r *compactRow) flowInto(id string, sc *scratch) *Flow {
	f, q, p := &sc.f, &sc.req, &sc.resp
	if sh := r.shape; sc.shape != sh {
		sc.shape = sh
		f.State, f.Source, f.Kind, f.Listener = sh.state, sh.source, sh.kind, sh.listener
		f.Client.SNI, f.Client.TLSVersion, f.Client.ALPN = sh.clientSNI, sh.clientTLS, sh.clientALPN
		f.Server = sh.server
		f.HeadersUnloaded, f.Request = true, q
		q.Method, q.Proto, q.Header, q.Body.Unloaded = sh.method, sh.reqProto, sh.reqHeader, true
		p.Reason, p.Proto, p.Header, p.Body.Unloaded = sh.reason, sh.respProto, sh.respHeader, true
	}
	client := int(r.urlLen) + int(r.clientLen)
	f.ID, f.Seq, f.Marked = id, r.seq, r.flags&rowMarked != 0
	f.Timings = Timings{RequestReceived: r.received}
	reqSize, respSize := readNumbers(r.strs[client:], &f.Timings)
	f.Client.Addr = r.strs[r.urlLen:client]
	q.URL = r.strs[:r.urlLen]
	q.Body.Size, q.Body.Truncated = reqSize, r.flags&rowReqTruncated != 0
	f.Response = nil
	if r.flags&rowResponse != 0 {
		p.Status = int(r.status)
		p.Body.Size, p.Body.Truncated = respSize, r.flags&rowRespTruncated != 0
		f.Response = p
	}
	return f
}
