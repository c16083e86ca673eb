package session

import (
	"context"
	"errors"
	"fmt"
	"sync"
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
	s.scan(m, func(f *Flow, own bool) bool {
		if offset > 0 {
			offset--
			return true
		}
		if !own {
			full, err := s.loadHeaders(f)
			switch {
			case errors.Is(err, ErrNotFound):
				return true // deleted since the scan began
			case err != nil:
				// The flow is listed without its headers rather than not
				// at all; say so once per flow.
				s.report(fmt.Errorf("list flows: %w", err))
			case full != f:
				f, own = full, true
			}
		}
		if !own {
			f = f.Clone()
		}
		out = append(out, f)
		return n < 0 || len(out) < n
	})
	return out
}

// Count returns how many flows m matches (all of them for a nil m), under
// the same rules as List.
func (s *Store) Count(m Matcher) int {
	if m == nil {
		return s.Len()
	}
	count := 0
	s.scan(m, func(*Flow, bool) bool {
		count++
		return true
	})
	return count
}

// scan calls yield with every flow m matches, in Seq order, until yield
// returns false. own says whether the flow is a fresh copy (headers and
// bodies loaded) rather than the index's snapshot, which must not be
// modified.
func (s *Store) scan(m Matcher, yield func(f *Flow, own bool) bool) {
	s.mu.Lock()
	order := s.order // never modified in place; see Store.order
	s.mu.Unlock()

	mt := newMatching(s, m, "list flows")
	mt.prepareAll(context.Background())
	for _, e := range order {
		f, hit, own, ok := mt.match(e, e.meta.Load())
		if !ok {
			continue // deleted since the scan began
		}
		if hit && !yield(f, own) {
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
	// stored, when not nil, holds the verdicts for light flows of a
	// matcher that needs headers, from one pass over the file (see
	// prepare): by ID, true for a match.
	stored map[string]bool
}

func newMatching(s *Store, m Matcher, what string) *matching {
	mt := &matching{s: s, m: m, what: what}
	mt.bodies, mt.headers = needs(m)
	return mt
}

// prepareAll readies mt to match most of the store's flows: a matcher
// that needs the headers of light flows gets them from one pass over the
// file rather than a query per flow (100k flows: seconds instead of a
// fraction of one). On failure mt goes on a flow at a time.
func (mt *matching) prepareAll(ctx context.Context) {
	if !mt.headers || mt.bodies || mt.m == nil {
		return
	}
	stored := make(map[string]bool)
	var mu sync.Mutex // stored is written by readMetas' goroutine only; mu orders it for the reader
	dec := newMetaDecoder()
	err := readMetas(ctx, mt.s.db, func(b *loadBatch) {
		start := 0
		for i, id := range b.ids {
			meta := b.buf[start:b.ends[i]]
			start = b.ends[i]
			mt.s.mu.Lock()
			e := mt.s.byID[id]
			mt.s.mu.Unlock()
			if e == nil {
				continue
			}
			f := e.meta.Load()
			if !f.HeadersUnloaded {
				continue // matched from memory
			}
			full, err := dec.decode(meta)
			if err != nil {
				continue // left to the per-flow path, which reports it
			}
			hit := mt.m.Match(lendHeaders(f, full))
			mu.Lock()
			stored[id] = hit
			mu.Unlock()
		}
	})
	if err != nil {
		if ctx.Err() == nil {
			mt.s.report(fmt.Errorf("%s: read headers from %s: %w", mt.what, mt.s.path, err))
		}
		return
	}
	mu.Lock()
	mt.stored = stored
	mu.Unlock()
}

// fork returns a copy of mt for another goroutine; the prepared verdicts
// are shared, read-only.
func (mt *matching) fork() *matching {
	c := *mt
	return &c
}

// match reports whether m selects the flow of e whose snapshot is f, and
// returns the flow m saw: f, or a copy with more loaded (own). ok is false
// when the flow was deleted meanwhile.
func (mt *matching) match(e *entry, f *Flow) (seen *Flow, hit, own, ok bool) {
	if mt.m == nil {
		return f, true, false, true
	}
	var full *Flow
	var err error
	switch {
	case mt.bodies:
		mt.s.mu.Lock()
		parts := e.parts
		mt.s.mu.Unlock()
		full, err = mt.s.withBodies(f, parts)
	case mt.headers && f.HeadersUnloaded:
		if hit, ok := mt.stored[f.ID]; ok {
			return f, hit, false, true
		}
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
		return full, mt.m.Match(full), true, true
	}
	return f, mt.m.Match(f), false, true
}
