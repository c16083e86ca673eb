package session

import "encoding/hex"

// The index keeps a flow's ID as the 16 bytes newID made it from, not as
// its 32 hex digits: a string is 32 bytes of heap plus a 16-byte header
// in the entry and again in the ID map's key, which for a million flows
// is 32 MB of heap the GC scans for nothing (issue 17). Every API still
// takes and returns the hex string; an ID that is not 32 lowercase hex
// digits (a session written by something else) keeps its string, in
// Store.oddIDs, and its flow is never a compact row, so that the entry's
// light Flow always holds it.

// idKey is a canonical flow ID's bytes.
type idKey [16]byte

// parseID returns the bytes of id when it is canonical: 32 lowercase hex
// digits, as newID makes; ok is false for any other ID.
func parseID(id string) (k idKey, ok bool) {
	if len(id) != 2*len(k) {
		return k, false
	}
	for i := range k {
		hi, ok1 := hexDigit(id[2*i])
		lo, ok2 := hexDigit(id[2*i+1])
		if !ok1 || !ok2 {
			return k, false
		}
		k[i] = hi<<4 | lo
	}
	return k, true
}

// hexDigit is the value of a lowercase hex digit: the only kind hex
// encoding writes, so that an ID parses back to the very same string.
func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// String returns the ID k stands for, in one allocation (hex's
// EncodeToString takes two: snapshots of compact rows call this for every
// flow a filter looks at).
func (k idKey) String() string {
	var b [2 * len(k)]byte
	hex.Encode(b[:], k[:])
	return string(b[:])
}

// ID returns the flow's ID: its snapshot's, or, for a compact row (whose
// ID is always canonical), built from its key.
func (e *entry) ID() string {
	if f := e.meta.Load(); f != nil {
		return f.ID
	}
	return e.key.String()
}

// setID gives e the ID id (e is not yet in the store's maps): its key
// when canonical; an odd ID lives in e's snapshot alone.
func (e *entry) setID(id string) {
	if k, ok := parseID(id); ok {
		e.key = k
	}
}

// canonical reports whether e's ID is canonical (and e.key holds it):
// always for a compact row, which is made only of flows with one.
func (e *entry) canonical() bool {
	f := e.meta.Load()
	if f == nil {
		return true
	}
	_, ok := parseID(f.ID)
	return ok
}

// hasID reports whether id is e's ID; k and ok are parseID(id).
func (e *entry) hasID(id string, k idKey, ok bool) bool {
	if f := e.meta.Load(); f != nil {
		return f.ID == id
	}
	return ok && e.key == k
}

// lookupLocked returns the entry of the flow with ID id, or nil; s.mu is
// held.
func (s *Store) lookupLocked(id string) *entry {
	if k, ok := parseID(id); ok {
		return s.byID.get(k)
	}
	return s.oddIDs[id]
}

// holdsLocked reports whether e is still in the store; s.mu is held.
func (s *Store) holdsLocked(e *entry) bool {
	if !e.canonical() {
		return s.oddIDs[e.meta.Load().ID] == e
	}
	return s.byID.get(e.key) == e
}

// indexLocked adds e, its snapshot set, to the ID maps; s.mu is held
// (or s not yet shared).
func (s *Store) indexLocked(e *entry) {
	if e.canonical() {
		s.byID.put(e)
		return
	}
	if s.oddIDs == nil {
		s.oddIDs = make(map[string]*entry)
	}
	s.oddIDs[e.ID()] = e
}

// unindexLocked removes e from the ID maps; s.mu is held.
func (s *Store) unindexLocked(e *entry) {
	if !e.canonical() {
		delete(s.oddIDs, e.ID())
		return
	}
	s.byID.del(e.key)
}
