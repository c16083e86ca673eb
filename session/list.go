package session

import (
	"errors"
	"fmt"
)

// List returns up to n flows that m matches, in Seq order, skipping the
// first offset matches; n < 0 means no limit, and a nil m matches every
// flow. The UI asks only for the rows it draws.
//
// The flows returned are copies the caller may modify. Their bodies are
// Unloaded (Data nil, Size and Truncated kept) unless m is a BodyMatcher
// whose NeedsBodies reports true: then each flow's bodies are loaded (from
// the file if need be) before m sees it, and returned with it.
//
// m is called on the calling goroutine without the store's lock held. A
// matcher that does not need bodies sees the store's own snapshot and must
// not modify it.
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
// returns false. own says whether the flow is a fresh copy (bodies loaded)
// rather than the index's snapshot, which must not be modified.
func (s *Store) scan(m Matcher, yield func(f *Flow, own bool) bool) {
	s.mu.Lock()
	order := s.order // never modified in place; see Store.order
	s.mu.Unlock()

	needBodies := false
	if bm, ok := m.(BodyMatcher); ok {
		needBodies = bm.NeedsBodies()
	}
	for _, e := range order {
		f, own := e.meta.Load(), false
		if needBodies {
			s.mu.Lock()
			parts := e.parts
			s.mu.Unlock()
			full, err := s.withBodies(f, parts)
			switch {
			case errors.Is(err, ErrNotFound):
				continue // deleted since the scan began
			case err != nil:
				// Report once, then match the rest on metadata alone rather
				// than failing every flow the same way.
				s.report(fmt.Errorf("list flows: %w", err))
				needBodies = false
			default:
				f, own = full, true
			}
		}
		if m != nil && !m.Match(f) {
			continue
		}
		if !yield(f, own) {
			return
		}
	}
}
