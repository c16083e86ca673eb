package session

import (
	"bytes"
	"fmt"
	"net/http"
)

// metaDecoder decodes flows.meta. It understands exactly the JSON that
// marshalMeta writes (and skips keys it does not know), about ten times
// faster than encoding/json, which made opening a large session slow. It
// never panics on malformed input; the first error stops it.
//
// Header names and short strings are interned across the flows one decoder
// reads, so a loaded session holds one copy of "Content-Type".
type metaDecoder struct {
	data   []byte
	pos    int
	err    error
	intern map[string]string
	// light, when set, makes decode return light snapshots (see light.go):
	// headers other than Content-Type are skipped, and Content-Type maps
	// are shared through this table.
	light ctypes
	// lightHdr and lightVals are the memory a light header is read into
	// before the table gives its shared form, which never holds them.
	lightHdr  http.Header
	lightVals []string
	// sc, when set (decodeScratch), is the memory the flow is decoded
	// into, and its strings alias the input; scMem keeps it between
	// calls.
	sc, scMem *scratchFlow
}

// scratchFlow is memory decodeScratch decodes into, reused row after row.
type scratchFlow struct {
	f         Flow
	req, orig Request
	resp      Response
}

// maxInterned is the longest string interned; longer ones (URLs, cookies)
// are rarely repeated.
const maxInterned = 48

// maxDepth bounds the nesting of skipped unknown values.
const maxDepth = 64

func newMetaDecoder() *metaDecoder {
	return &metaDecoder{intern: make(map[string]string)}
}

// unmarshalMeta decodes flows.meta into a Flow whose bodies are Unloaded.
func unmarshalMeta(data []byte) (*Flow, error) {
	return newMetaDecoder().decode(data)
}

// decodeScratch decodes data as a light decoder's decode does, into
// memory it reuses on the next call, and with strings that alias data: a
// snapshot to turn at once into a compact row, which copies what it keeps
// (most rows of a big session are plain flows; the Flow a full decode
// built for each was garbage at once, and a third of a load's time went
// to allocating and collecting it).
func (d *metaDecoder) decodeScratch(data []byte) (*Flow, error) {
	if d.scMem == nil {
		d.scMem = new(scratchFlow)
	}
	d.sc = d.scMem
	defer func() { d.sc = nil }()
	return d.decode(data)
}

func (d *metaDecoder) decode(data []byte) (*Flow, error) {
	d.data, d.pos, d.err = data, 0, nil
	f := d.flow()
	if d.ws(); d.err == nil && d.pos != len(d.data) {
		d.fail("unexpected data after the flow")
	}
	if d.err != nil {
		return nil, d.err
	}
	f.HeadersUnloaded = d.light != nil
	return f, nil
}

func (d *metaDecoder) flow() *Flow {
	f := &Flow{}
	if d.sc != nil {
		d.sc.f = Flow{}
		f = &d.sc.f
	}
	for k := range d.keys {
		switch string(k) {
		case "id":
			f.ID = d.str()
		case "seq":
			f.Seq = d.int()
		case "state":
			f.State = State(d.enum(stateNames[:]))
		case "source":
			f.Source = Source(d.enum(sourceNames[:]))
		case "kind":
			f.Kind = Kind(d.enum(kindNames[:]))
		case "client":
			d.peer(&f.Client)
		case "server":
			d.peer(&f.Server)
		case "request":
			f.Request = d.request(d.scratchOf(func(sc *scratchFlow) *Request { return &sc.req }))
		case "original":
			f.Original = d.request(d.scratchOf(func(sc *scratchFlow) *Request { return &sc.orig }))
		case "response":
			var into *Response
			if d.sc != nil {
				into = &d.sc.resp
			}
			f.Response = d.response(into)
		case "error":
			f.Err = d.flowError()
		case "timings":
			d.timings(&f.Timings)
		case "marked":
			f.Marked = d.bool()
		case "comment":
			f.Comment = d.str()
		case "listener":
			f.Listener = d.istr()
		case "stream":
			f.Stream = d.stream()
		default:
			d.skip(0)
		}
	}
	return f
}

func (d *metaDecoder) peer(p *Peer) {
	for k := range d.keys {
		switch string(k) {
		case "addr":
			p.Addr = d.str()
		case "sni":
			p.SNI = d.istr()
		case "tls_version":
			p.TLSVersion = d.istr()
		case "alpn":
			p.ALPN = d.istr()
		default:
			d.skip(0)
		}
	}
}

// scratchOf returns the scratch Request pick chooses, nil without scratch
// memory.
func (d *metaDecoder) scratchOf(pick func(sc *scratchFlow) *Request) *Request {
	if d.sc == nil {
		return nil
	}
	return pick(d.sc)
}

// request reads a request into into, or a new Request when into is nil.
func (d *metaDecoder) request(into *Request) *Request {
	if d.null() {
		return nil
	}
	r := into
	if r == nil {
		r = new(Request)
	}
	*r = Request{Body: Body{Unloaded: true}}
	for k := range d.keys {
		switch string(k) {
		case "method":
			r.Method = d.istr()
		case "url":
			r.URL = d.str()
		case "proto":
			r.Proto = d.istr()
		case "header":
			r.Header = d.header()
		case "body":
			d.body(&r.Body)
		case "trailer":
			r.Trailer = d.trailer()
		default:
			d.skip(0)
		}
	}
	return r
}

// response reads a response into into, or a new Response when into is
// nil.
func (d *metaDecoder) response(into *Response) *Response {
	if d.null() {
		return nil
	}
	r := into
	if r == nil {
		r = new(Response)
	}
	*r = Response{Body: Body{Unloaded: true}}
	for k := range d.keys {
		switch string(k) {
		case "status":
			r.Status = int(d.int())
		case "reason":
			r.Reason = d.istr()
		case "proto":
			r.Proto = d.istr()
		case "header":
			r.Header = d.header()
		case "body":
			d.body(&r.Body)
		case "trailer":
			r.Trailer = d.trailer()
		default:
			d.skip(0)
		}
	}
	return r
}

// header reads a header object. A light decoder keeps only Content-Type
// and gRPC's status fields (lightgrpc.go), but checks the other values as
// strictly, so that a row it accepts is one the full decoder reads back
// (Get, and the writer merging headers).
func (d *metaDecoder) header() http.Header {
	if d.null() {
		return nil
	}
	var h http.Header // made on the first kept key: light rows mostly need none
	d.lightVals = d.lightVals[:0]
	for k := range d.keys {
		keep := d.light == nil || string(k) == "Content-Type" || isLightStatus(k)
		if keep && h == nil {
			if d.light == nil {
				h = make(http.Header)
			} else {
				// Read into reused memory: d.light.header below copies
				// what it keeps, or shares a map it has.
				if d.lightHdr == nil {
					d.lightHdr = make(http.Header, 4)
				}
				clear(d.lightHdr)
				h = d.lightHdr
			}
		}
		if d.null() {
			if keep {
				h[d.internBytes(k)] = nil
			}
			continue
		}
		var vs []string
		start := len(d.lightVals)
		for range d.elems {
			if !keep {
				d.strBytes()
				continue
			}
			if d.light != nil {
				d.lightVals = append(d.lightVals, d.istr())
				vs = d.lightVals[start:len(d.lightVals):len(d.lightVals)]
				continue
			}
			vs = append(vs, d.istr())
		}
		if !keep {
			continue
		}
		if vs == nil && d.err == nil {
			vs = []string{}
		}
		h[d.internBytes(k)] = vs
	}
	if d.light != nil {
		return d.light.header(h)
	}
	if h == nil && d.err == nil {
		h = http.Header{} // {} in the file, not null
	}
	return h
}

// trailer reads a trailer object: nil when it is empty, as a message
// without trailers has none. A light decoder's snapshots leave trailers in
// the file with the headers, but for gRPC's status (lightgrpc.go).
func (d *metaDecoder) trailer() http.Header {
	h := d.header()
	if d.light != nil {
		return lightTrailer(h)
	}
	if len(h) == 0 {
		return nil
	}
	return h
}

func (d *metaDecoder) body(b *Body) {
	for k := range d.keys {
		switch string(k) {
		case "size":
			b.Size = d.int()
		case "truncated":
			b.Truncated = d.bool()
		default:
			d.skip(0)
		}
	}
}

func (d *metaDecoder) flowError() *Error {
	if d.null() {
		return nil
	}
	e := &Error{}
	for k := range d.keys {
		switch string(k) {
		case "phase":
			e.Phase = d.istr()
		case "msg":
			e.Msg = d.str()
		case "hint":
			e.Hint = d.str()
		default:
			d.skip(0)
		}
	}
	return e
}

func (d *metaDecoder) timings(t *Timings) {
	for k := range d.keys {
		var p *Stamp
		switch string(k) {
		case "client_connect":
			p = &t.ClientConnect
		case "client_tls_start":
			p = &t.ClientTLSStart
		case "client_tls_done":
			p = &t.ClientTLSDone
		case "request_received":
			p = &t.RequestReceived
		case "dns_start":
			p = &t.DNSStart
		case "dns_done":
			p = &t.DNSDone
		case "connect_start":
			p = &t.ConnectStart
		case "connect_done":
			p = &t.ConnectDone
		case "tls_start":
			p = &t.TLSStart
		case "tls_done":
			p = &t.TLSDone
		case "request_sent":
			p = &t.RequestSent
		case "first_byte":
			p = &t.FirstByte
		case "complete":
			p = &t.Complete
		default:
			d.skip(0)
			continue
		}
		*p = Stamp(d.int())
	}
}

func (d *metaDecoder) stream() *StreamStats {
	if d.null() {
		return nil
	}
	s := &StreamStats{}
	for k := range d.keys {
		switch string(k) {
		case "bytes_up":
			s.BytesUp = d.int()
		case "bytes_down":
			s.BytesDown = d.int()
		case "frames_up":
			s.FramesUp = d.int()
		case "frames_down":
			s.FramesDown = d.int()
		case "pings_up":
			s.PingsUp = d.int()
		case "pings_down":
			s.PingsDown = d.int()
		case "pongs_up":
			s.PongsUp = d.int()
		case "pongs_down":
			s.PongsDown = d.int()
		case "closed":
			s.Closed = fromUnixNano(d.int())
		default:
			d.skip(0)
		}
	}
	return s
}

var nullLit = []byte("null")

// null consumes a null literal if one comes next.
func (d *metaDecoder) null() bool {
	if d.peek() == 'n' && bytes.HasPrefix(d.data[d.pos:], nullLit) {
		d.pos += len(nullLit)
		return true
	}
	return false
}

func (d *metaDecoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("at byte %d: %s", d.pos, fmt.Sprintf(format, args...))
	}
	d.pos = len(d.data)
}
