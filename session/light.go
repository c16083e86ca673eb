package session

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
)

// The store keeps committed flows "light": without their headers and
// trailers, which are most of a flow's metadata (a map per message, a few
// hundred bytes each) and which only the flow view, exports and header
// filters read.
// Content-Type stays, because the list shows it and ~t filters on it; its
// one-entry maps are shared between every flow with the same value. A gRPC
// call's grpc-status and grpc-message stay too (lightgrpc.go).
//
// Invariant: an entry's snapshot is light only when its headers are in the
// file, so they can always be read back from there.

// ctypeLimit bounds the table of shared Content-Type maps; past it, each
// light flow gets its own map (a session with 4096 distinct content types
// is not one whose memory matters).
const ctypeLimit = 4096

// ctypes shares read-only Content-Type-only header maps by value.
type ctypes map[string]http.Header

// header returns a read-only header holding only h's Content-Type values
// and gRPC status fields, or nil when h has none.
func (t ctypes) header(h http.Header) http.Header { return withStatus(t.ctypeHeader(h), h) }

// ctypeHeader returns a read-only header holding only h's Content-Type
// values, shared between flows, or nil when h has none.
func (t ctypes) ctypeHeader(h http.Header) http.Header {
	vs := h["Content-Type"]
	if len(vs) == 0 {
		return nil
	}
	if len(vs) == 1 {
		if shared := t[vs[0]]; shared != nil {
			return shared
		}
	}
	out := http.Header{"Content-Type": append([]string(nil), vs...)}
	if len(vs) == 1 && len(t) < ctypeLimit {
		t[vs[0]] = out
	}
	return out
}

// lighten returns a light copy of f, a snapshot that must not be modified.
func (t ctypes) lighten(f *Flow) *Flow {
	if f.HeadersUnloaded {
		return f
	}
	c := copyMessages(f)
	c.HeadersUnloaded = true
	for _, h := range headerRefs(c) {
		if h != nil {
			*h = t.header(*h)
		}
	}
	for _, tr := range trailerRefs(c) {
		if tr != nil {
			*tr = lightTrailer(*tr)
		}
	}
	return c
}

// withHeaders returns f with its headers taken from full, the same flow as
// stored in the file: a copy that shares nothing mutable with f when f is
// light (full's header maps go with it), f itself otherwise.
func withHeaders(f, full *Flow) *Flow {
	if !f.HeadersUnloaded {
		return f
	}
	return lendHeaders(f.Clone(), full)
}

// lendHeaders returns a shallow copy of f, a light snapshot, that uses the
// headers of full: for a matcher to read, never to keep or modify. Its
// messages are copies of f's, so their bodies may be set.
func lendHeaders(f, full *Flow) *Flow {
	c := copyMessages(f)
	c.HeadersUnloaded = false
	from := headerRefs(full)
	for i, h := range headerRefs(c) {
		if h != nil && from[i] != nil {
			*h = *from[i]
		}
	}
	fromTr := trailerRefs(full)
	for i, tr := range trailerRefs(c) {
		if tr != nil && fromTr[i] != nil {
			*tr = *fromTr[i]
		}
	}
	return c
}

// copyMessages returns a shallow copy of f with copies of its messages,
// whose headers and bodies may then be replaced (not modified).
func copyMessages(f *Flow) *Flow {
	c := *f
	if f.Request != nil {
		r := *f.Request
		c.Request = &r
	}
	if f.Response != nil {
		r := *f.Response
		c.Response = &r
	}
	if f.Original != nil {
		r := *f.Original
		c.Original = &r
	}
	return &c
}

// headerRefs points at f's headers in part order, as bodyRefs at its
// bodies; nil for a missing message.
func headerRefs(f *Flow) [numParts]*http.Header {
	var h [numParts]*http.Header
	if f.Request != nil {
		h[partRequest] = &f.Request.Header
	}
	if f.Response != nil {
		h[partResponse] = &f.Response.Header
	}
	if f.Original != nil {
		h[partOriginal] = &f.Original.Header
	}
	return h
}

// trailerRefs points at f's trailers as headerRefs at its headers.
func trailerRefs(f *Flow) [numParts]*http.Header {
	var h [numParts]*http.Header
	if f.Request != nil {
		h[partRequest] = &f.Request.Trailer
	}
	if f.Response != nil {
		h[partResponse] = &f.Response.Trailer
	}
	if f.Original != nil {
		h[partOriginal] = &f.Original.Trailer
	}
	return h
}

// fileRow is what the file holds of one flow beyond the index.
type fileRow struct {
	meta   []byte
	bodies [numParts][]byte
}

// readRow reads the row of one flow, its bodies only when asked: a header
// lookup need not read megabytes of body. It fails with ErrNotFound when
// the flow is not in the file, and with ErrClosed after Close.
func (s *Store) readRow(id string, bodies bool) (fileRow, error) {
	var r fileRow
	var err error
	if bodies {
		err = s.read.QueryRow(id).Scan(&r.meta, &r.bodies[partRequest], &r.bodies[partResponse], &r.bodies[partOriginal])
	} else {
		err = s.readMeta.QueryRow(id).Scan(&r.meta)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound // deleted meanwhile
	}
	if err != nil {
		s.mu.Lock()
		closed := s.closed
		s.mu.Unlock()
		if closed {
			return r, ErrClosed
		}
		return r, fmt.Errorf("read flow from %s: %w", s.path, err)
	}
	return r, nil
}

// loadHeaders returns f, a light snapshot, with its headers read from the
// file: a copy the caller owns. Flows that are not light come back as they
// are.
func (s *Store) loadHeaders(f *Flow) (*Flow, error) {
	if !f.HeadersUnloaded {
		return f, nil
	}
	r, err := s.readRow(f.ID, false)
	if err != nil {
		return nil, err
	}
	full, err := unmarshalMeta(r.meta)
	if err != nil {
		return nil, fmt.Errorf("decode flow %s from %s: %w", f.ID, s.path, err)
	}
	return withHeaders(f, full), nil
}

// lightForm is a committed flow's light snapshot: a compact row when it
// fits (compact.go), else a light Flow; zero for a flow left as it is.
type lightForm struct {
	row  *compactRow
	flow *Flow
}

func (l lightForm) ok() bool { return l.row != nil || l.flow != nil }

// storeIn makes l e's snapshot, keeping its version; Store.mu is held.
func (l lightForm) storeIn(e *entry) {
	if l.row != nil {
		e.row.Store(l.row)
		e.meta.Store(nil)
		return
	}
	e.meta.Store(l.flow)
}

// lighten builds the light forms of the finished flows of rows, which
// were just committed: on the writer's goroutine, without Store.mu,
// which Add and Update would otherwise wait on (building them took
// 2.5 ms a thousand flows). The shapes, arena and rows of the compactor
// and the ctypes table are the writer's alone once the store is open.
// A flow that has changed since it was read is skipped; one that changes
// while its form is built loses the form (and the few bytes of arena it
// took) when commit finds the new version.
func (s *Store) lighten(rows []row) {
	if s.hooks.lightening != nil {
		s.hooks.lightening()
	}
	if s.ctypes == nil {
		s.ctypes = ctypes{}
	}
	for i := range rows {
		r := &rows[i]
		if !final(r.meta.State) || r.e.version.Load() != r.version {
			continue
		}
		if c, ok := s.compact.row(r.meta, s.ctypes); ok {
			r.light.row = c
		} else {
			r.light.flow = s.ctypes.lighten(r.meta)
		}
	}
}
