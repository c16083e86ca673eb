package session

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"strings"
)

// List returns up to n flows that m matches, in Seq order, skipping the
// first offset matches; n < 0 means no limit, and a nil m matches every
// flow. The UI asks only for the rows it draws.
//
// The flows returned are copies the caller may modify, every header
// included (read back from the file for committed flows). Their bodies
// are Unloaded (Data nil, Size and Truncated kept) unless m is a
// BodyMatcher whose NeedsBodies reports true: then each flow's bodies are
// loaded (from the file if need be) before m sees it, and returned with it.
//
// m is called on the calling goroutine without the store's lock held. A
// matcher that needs neither bodies nor headers sees the store's own
// snapshot (see Flow.HeadersUnloaded) and must not modify it.
func (s *Store) List(m Matcher, offset, n int) []*Flow {
	if n == 0 {
		return nil
	}
	var out []*Flow
	s.scan(m, true, func(f *Flow, own bool) bool {
		if offset > 0 {
			offset--
			return true
		}
		if f, ok := s.listed(f, own); ok {
			out = append(out, f)
		}
		return n < 0 || len(out) < n
	})
	return out
}

// All yields the flows m matches, in Seq order, as List returns them, in
// one walk over the store: for exporting or serving a whole session, where
// windows of List would match every flow before each window again (and
// read headers or bodies from the file again, for matchers that need
// them). Flows deleted during the walk may be left out.
func (s *Store) All(m Matcher) iter.Seq[*Flow] {
	return func(yield func(*Flow) bool) {
		s.scan(m, true, func(f *Flow, own bool) bool {
			if f, ok := s.listed(f, own); ok {
				return yield(f)
			}
			return true
		})
	}
}

// listed turns a flow from scan into one List returns: a copy with its
// headers. ok is false for a flow deleted meanwhile.
func (s *Store) listed(f *Flow, own bool) (_ *Flow, ok bool) {
	if !own {
		full, err := s.loadHeaders(f)
		switch {
		case errors.Is(err, ErrNotFound):
			return nil, false
		case errors.Is(err, ErrClosed):
			// As Close says: from memory, without what only the file has.
		case err != nil:
			// The flow is listed without its headers rather than not at
			// all; say so.
			s.report(fmt.Errorf("list flows: %w", err))
		case full != f:
			f, own = full, true
		}
	}
	if !own {
		f = f.Clone()
	}
	// An ID of a snapshot built in scratch memory keeps a chunk of IDs
	// alive (scratch.id): the caller keeps this one only.
	f.ID = strings.Clone(f.ID)
	return f, true
}

// Count returns how many flows m matches (all of them for a nil m), under
// the same rules as List.
func (s *Store) Count(m Matcher) int {
	if m == nil {
		return s.Len()
	}
	count := 0
	s.scan(m, false, func(*Flow, bool) bool {
		count++
		return true
	})
	return count
}

// scan calls yield with every flow m matches, in Seq order, until yield
// returns false. own says whether the flow is a fresh copy (headers and
// bodies loaded) rather than the index's snapshot, which must not be
// modified nor kept once yield returns (it may be built in scratch
// memory, compact.go).
func (s *Store) scan(m Matcher, seen bool, yield func(f *Flow, own bool) bool) {
	s.mu.Lock()
	order := s.order // never modified in place; see Store.order
	s.mu.Unlock()

	mt := newMatching(s, m, "list flows")
	mt.seen = seen
	mt.prepareAll(context.Background())
	sc := scratch{noIDs: !mt.needsID} // yield copies what it keeps (see listed)
	for _, e := range order {
		rev := e.version.Load() // before the snapshot: see entry.version
		f, hit, own, ok := mt.match(e, rev, e.snapshotIn(&sc))
		if !ok {
			continue // deleted since the scan began
		}
		if !hit {
			continue
		}
		if f == &sc.f && sc.noIDs {
			f.ID = sc.id(e) // the matcher did without, the caller may not
		}
		if !yield(f, own) {
			return
		}
	}
}

// matching applies a matcher to index snapshots, loading what it needs
// from the file first.
type matching struct {
	s       *Store
	m       Matcher
	what    string // for errors: what the matching is for
	bodies  bool
	headers bool
	// needsID: the snapshots handed to m need their IDs (see IDMatcher;
	// loading headers or bodies from the file needs them too).
	needsID bool
	// stored, when not nil, holds verdicts from one pass over the file
	// (see prepareAll), by entry.
	stored map[*entry]verdict
	// seen: the caller keeps the flows that match, so a hit is loaded
	// again for it (List returns flows with what its matcher needed).
	seen bool
}

func newMatching(s *Store, m Matcher, what string) *matching {
	mt := &matching{s: s, m: m, what: what}
	mt.bodies, mt.headers = needs(m)
	mt.needsID = m != nil && (mt.bodies || mt.headers || needsID(m))
	return mt
}

// prepareAll readies mt to match most of the store's flows: a matcher
// that needs headers or bodies from the file gets them from one pass over
// it rather than a query per flow (100k flows, headers: 1.0 s instead of
// 2.2 s). On failure mt goes on a flow at a time.
func (mt *matching) prepareAll(ctx context.Context) {
	if mt.m == nil || !mt.headers && !mt.bodies {
		return
	}
	// Only snapshots taken before the file is read can be paired with
	// its rows: those of flows whose headers (and, for a body matcher,
	// bodies) were all in the file by then. Each verdict names its
	// snapshot, and holds only while the flow still has that snapshot.
	before := make(map[string]verdict)
	mt.s.mu.Lock()
	for _, e := range mt.s.order {
		rev := e.version.Load()
		if f := e.meta.Load(); (f == nil || f.HeadersUnloaded) && (!mt.bodies || mt.s.bodies[e] == nil) {
			before[e.ID()] = verdict{e: e, rev: rev}
		}
	}
	mt.s.mu.Unlock()
	var stored map[*entry]verdict
	var err error
	if mt.bodies {
		stored, err = mt.bodyVerdicts(ctx, before)
	} else {
		stored, err = mt.headerVerdicts(ctx, before)
	}
	if err != nil {
		if ctx.Err() == nil {
			mt.s.report(fmt.Errorf("%s: read flows from %s: %w", mt.what, mt.s.path, err))
		}
		return
	}
	mt.stored = stored
}

// verdict is what a matcher said of one version of a flow (the version
// of an entry names its snapshot: making it light keeps the version).
type verdict struct {
	e   *entry
	rev uint64
	hit bool
}

// lightAt returns v's flow as a light snapshot of v.rev, or nil when the
// flow changed since (another version, or not light).
func (v verdict) lightAt() *Flow {
	if v.e.version.Load() != v.rev { // before the snapshot: see entry.version
		return nil
	}
	if f := v.e.snapshot(); f.HeadersUnloaded {
		return f
	}
	return nil
}

// headerVerdicts matches the light snapshots in before with their headers
// from the file.
func (mt *matching) headerVerdicts(ctx context.Context, before map[string]verdict) (map[*entry]verdict, error) {
	// Written on readMetas' goroutine, which ends before readMetas returns.
	stored := make(map[*entry]verdict, len(before))
	dec := newMetaDecoder()
	err := readMetas(ctx, mt.s.db, func(b *loadBatch) {
		start := 0
		for i, id := range b.ids {
			meta := b.buf[start:b.ends[i]]
			start = b.ends[i]
			v, ok := before[id]
			if !ok {
				continue
			}
			f := v.lightAt()
			if f == nil {
				continue // changed meanwhile: left to the per-flow path
			}
			full, err := dec.decode(meta)
			if err != nil {
				continue // left to the per-flow path, which reports it
			}
			v.hit = mt.m.Match(lendHeaders(f, full))
			stored[v.e] = v
		}
	})
	return stored, err
}

// bodyVerdicts matches the light snapshots in before, whose bodies are all
// in the file, with their headers and bodies from it, a row at a time:
// bodies can be large.
func (mt *matching) bodyVerdicts(ctx context.Context, before map[string]verdict) (map[*entry]verdict, error) {
	rows, err := mt.s.db.QueryContext(ctx, "SELECT id, meta, req_body, resp_body, orig_body FROM flows")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	stored := make(map[*entry]verdict, len(before))
	dec := newMetaDecoder()
	for rows.Next() {
		var id string
		var meta sql.RawBytes
		var disk [numParts]sql.RawBytes
		if err := rows.Scan(&id, &meta, &disk[partRequest], &disk[partResponse], &disk[partOriginal]); err != nil {
			return nil, err
		}
		v, ok := before[id]
		if !ok {
			continue
		}
		f := v.lightAt()
		if f == nil || mt.s.hasMessages(f) {
			continue // changed meanwhile, or a WebSocket: its messages are matched on the per-flow path
		}
		full, err := dec.decode(meta)
		if err != nil {
			continue // left to the per-flow path, which reports it
		}
		// The matcher sees the bytes only while this row is current; the
		// bodies of flows in before are all in the file.
		g := lendHeaders(f, full)
		fillBodies(g, nil, [numParts][]byte{disk[partRequest], disk[partResponse], disk[partOriginal]})
		v.hit = mt.m.Match(g)
		stored[v.e] = v
	}
	return stored, rows.Err()
}

// fork returns a copy of mt for another goroutine; the prepared verdicts
// are shared, read-only.
func (mt *matching) fork() *matching {
	c := *mt
	return &c
}

// match reports whether m selects the flow of e whose snapshot is f, of
// version rev, and returns the flow m saw: f, or a copy with more loaded
// (own). ok is false when the flow was deleted meanwhile.
func (mt *matching) match(e *entry, rev uint64, f *Flow) (seen *Flow, hit, own, ok bool) {
	if mt.m == nil {
		return f, true, false, true
	}
	if mt.stored == nil && !mt.bodies && !(mt.headers && f.HeadersUnloaded) {
		return f, mt.m.Match(f), false, true // nothing to load: a filter pass's common case
	}
	var full *Flow
	var err error
	v, known := mt.stored[e]
	known = known && v.rev == rev // a verdict on this very snapshot
	if known && (!v.hit || !mt.seen) {
		return f, v.hit, false, true
	}
	switch {
	case mt.bodies:
		mt.s.mu.Lock()
		parts := mt.s.bodies[e]
		mt.s.mu.Unlock()
		full, err = mt.s.withBodies(f, parts)
	case mt.headers && f.HeadersUnloaded:
		full, err = mt.s.loadHeaders(f)
	}
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, false, false, false
	case err != nil:
		// Report once, then match the rest on what memory holds rather
		// than failing every flow the same way.
		mt.s.report(fmt.Errorf("%s: %w", mt.what, err))
		mt.bodies, mt.headers = false, false
	case full != nil:
		if mt.bodies {
			return full, mt.s.matchWithMessages(mt.m, full), true, true
		}
		return full, mt.m.Match(full), true, true
	}
	if known {
		return f, v.hit, false, true // a hit that could not be loaded again
	}
	return f, mt.m.Match(f), false, true
}
