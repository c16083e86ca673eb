package session

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Add stores a snapshot of f as a new flow and queues it for the file. It
// sets f.ID (to a random hex string when empty, when the store already
// holds a flow with that ID, or while a background load runs) and f.Seq (the next number in the session) on
// the caller's flow. Add never waits for the disk. A Store opened with
// Options.ShareHeaders keeps f's header and trailer maps as they are.
//
// Add after Close keeps the flow in memory only and reports ErrClosed
// through Options.OnError.
func (s *Store) Add(f *Flow) {
	c := s.keep(f)
	c.HeadersUnloaded = false // a new flow has no headers in the file to fall back on
	parts := stripBodies(c, nil)
	id := f.ID
	if id == "" {
		id = newID()
	}
	s.mu.Lock()
	if s.bg != nil && !s.bg.state.Done && id == f.ID {
		// A row not loaded yet may hold f's ID: the loaded row would
		// then share it with this flow.
		id = newID()
	}
	for s.lookupLocked(id) != nil {
		id = newID()
	}
	s.seq++
	f.ID, f.Seq = id, s.seq
	c.ID, c.Seq = id, s.seq
	e := s.compact.newEntry()
	e.pos = int32(len(s.order))
	e.setID(id)
	s.setPartsLocked(e, parts)
	e.meta.Store(c)
	s.indexLocked(e)
	s.order = append(s.order, e)
	s.noteLocked(e)
	closed := s.closed
	s.enqueueLocked(e)
	s.mu.Unlock()
	s.notify()
	if closed {
		s.report(fmt.Errorf("add flow %s to session %s: %w (kept in memory only)", id, s.path, ErrClosed))
	}
}

// Update replaces the stored snapshot of the flow with f's ID (its Seq is
// kept) and queues it for the file. A body marked Unloaded in f, as on
// flows from List, keeps the stored bytes, so a listed flow can be marked
// or commented and handed back. f's header and trailer maps are kept as
// Add keeps them. Update never waits for the disk; it fails with
// ErrNotFound for an unknown ID, and with ErrClosed after Close.
func (s *Store) Update(f *Flow) error {
	var c *Flow
	if s.opts.ShareHeaders {
		c = shellOf(f) // its messages are copied, or shared, below
	} else {
		c = f.Clone()
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("update flow %s: %w", f.ID, ErrClosed)
	}
	e := s.lookupLocked(f.ID)
	if e == nil {
		s.mu.Unlock()
		return fmt.Errorf("update flow %s: %w", f.ID, ErrNotFound)
	}
	prev := e.snapshot()
	old := s.bodies[e]
	if s.opts.ShareHeaders {
		reuseMessages(c, prev, old)
	}
	c.Seq = prev.Seq
	if c.HeadersUnloaded && !prev.HeadersUnloaded {
		// The headers are not in the file yet: keep the ones in memory
		// (c is the store's own copy, prev's maps are never modified).
		c = lendHeaders(c, prev)
	}
	s.setPartsLocked(e, stripBodies(c, &old))
	e.meta.Store(c)
	s.noteLocked(e)
	s.enqueueLocked(e)
	s.mu.Unlock()
	s.notify()
	return nil
}

// keep returns the Store's own copy of f, for Add and Update: a Clone,
// or with Options.ShareHeaders a copy that shares f's header maps.
func (s *Store) keep(f *Flow) *Flow {
	if s.opts.ShareHeaders {
		return kept(f)
	}
	return f.Clone()
}

// Delete removes flows by ID, in memory at once and from the file with the
// next commit. IDs the store does not hold are reported in an error that
// wraps ErrNotFound; the others are still deleted.
func (s *Store) Delete(ids ...string) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("delete flows: %w", ErrClosed)
	}
	var missing []string
	gone := make(map[*entry]bool, len(ids))
	for _, id := range ids {
		e := s.lookupLocked(id)
		if e == nil {
			missing = append(missing, id)
			continue
		}
		s.unindexLocked(e)
		delete(s.bodies, e)
		gone[e] = true
		if s.stop != nil {
			delete(s.pending, e)
			s.deletes = append(s.deletes, id)
		}
	}
	if len(gone) > 0 {
		// A new slice: List may be ranging over the old one.
		s.order = slices.DeleteFunc(slices.Clone(s.order), func(e *entry) bool { return gone[e] })
		s.renumberLocked()
		s.forgetMessagesLocked(ids)
		if s.stop != nil {
			s.queued++
		}
	}
	s.mu.Unlock()
	if len(gone) > 0 {
		s.notify()
	}
	if len(missing) > 0 {
		return fmt.Errorf("delete flows %s: %w", strings.Join(missing, ", "), ErrNotFound)
	}
	return nil
}

// Clear removes every flow, in memory at once and from the file with the
// next commit. Seq numbering goes on where it was.
func (s *Store) Clear() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("clear session: %w", ErrClosed)
	}
	s.stopLoadLocked() // the flows it would add are cleared too
	s.byID = idTable{}
	s.oddIDs = nil
	s.bodies = make(map[*entry]*bodyParts)
	s.order = nil
	s.renumberLocked()
	s.forgetMessagesLocked(nil)
	if s.stop != nil {
		s.pending = make(map[*entry]struct{})
		s.deletes = nil
		s.clearAll = true
		s.queued++
	}
	s.mu.Unlock()
	s.notify()
	return nil
}

// Len returns the number of flows in the store.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byID.len() + len(s.oddIDs)
}

// Get returns the flow with the given ID, bodies included: from memory
// while the flow is not yet committed, else read from the file. The result
// is the caller's to modify. It fails with ErrNotFound for an unknown ID.
func (s *Store) Get(id string) (*Flow, error) {
	s.mu.Lock()
	e := s.lookupLocked(id)
	if e == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("get flow %s: %w", id, ErrNotFound)
	}
	meta, parts := e.snapshot(), s.bodies[e]
	s.mu.Unlock()
	f, err := s.withBodies(meta, parts)
	if err != nil {
		return nil, fmt.Errorf("get flow %s: %w", id, err)
	}
	return f, nil
}

// withBodies returns a copy of meta with its bodies filled in from parts,
// or from the file for the parts not in memory, and its headers too when
// meta is light.
func (s *Store) withBodies(meta *Flow, parts *bodyParts) (*Flow, error) {
	var row fileRow
	read := meta.HeadersUnloaded
	for i, b := range bodyRefs(meta) {
		read = read || b != nil && !parts.get(i).inMem
	}
	if read {
		var err error
		if row, err = s.readRow(meta.ID, true); err != nil {
			return nil, err
		}
	}
	f := meta.Clone()
	if meta.HeadersUnloaded {
		full, err := unmarshalMeta(row.meta)
		if err != nil {
			return nil, fmt.Errorf("decode flow %s from %s: %w", meta.ID, s.path, err)
		}
		f = lendHeaders(f, full) // f is already this call's own copy
	}
	fillBodies(f, parts, row.bodies)
	return f, nil
}

// fillBodies sets f's bodies (f's own messages) from parts where memory
// holds them, else from disk.
func fillBodies(f *Flow, parts *bodyParts, disk [numParts][]byte) {
	for i, b := range bodyRefs(f) {
		if b == nil {
			continue
		}
		data := disk[i]
		if p := parts.get(i); p.inMem {
			data = p.data
		}
		if len(data) == 0 {
			data = nil
		}
		b.Data, b.Unloaded = data, false
	}
}

// enqueueLocked records a change of e and, for a store that persists,
// queues e for the writer. s.mu must be held.
func (s *Store) enqueueLocked(e *entry) {
	e.version.Add(1)
	if s.stop == nil || s.closed {
		return
	}
	s.pending[e] = struct{}{}
	s.queued++
	if len(s.pending) >= s.opts.BatchSize {
		s.kickWriter()
	}
}

// stripBodies takes the body bytes out of f (a clone the store owns),
// marking its bodies Unloaded, and returns them. A body that was already
// Unloaded in f keeps the bytes of old, where the flow is stored (nil for
// a new flow).
func stripBodies(f *Flow, old **bodyParts) *bodyParts {
	var parts bodyParts
	for i, b := range bodyRefs(f) {
		switch {
		case b == nil:
			parts[i] = bodyPart{inMem: true}
		case b.Unloaded && old != nil:
			parts[i] = (*old).get(i)
		default:
			parts[i] = bodyPart{data: b.Data, inMem: true}
		}
		if b != nil && (b.Data != nil || !b.Unloaded) {
			// Only when it changes: b may be a body shared with the
			// snapshot Update replaces (reuse.go), read without mu.
			b.Data, b.Unloaded = nil, true
		}
	}
	inMem, empty := false, true
	for _, p := range parts {
		inMem = inMem || p.inMem
		empty = empty && p.inMem && len(p.data) == 0
	}
	switch {
	case !inMem:
		return nil // all in the file, as after a commit
	case empty:
		return noBodies // a flow added pending: no allocation
	}
	kept := new(bodyParts)
	*kept = parts
	return kept
}

// noBodies are the parts of a flow whose bodies are all empty and in
// memory; shared, as bodyParts are never modified.
var noBodies = &bodyParts{{inMem: true}, {inMem: true}, {inMem: true}}

// bodiesLoaded reports whether none of f's bodies is Unloaded.
func bodiesLoaded(f *Flow) bool {
	for _, b := range bodyRefs(f) {
		if b != nil && b.Unloaded {
			return false
		}
	}
	return true
}

// bodyRefs points at f's bodies in part order; nil for a missing message.
func bodyRefs(f *Flow) [numParts]*Body {
	var b [numParts]*Body
	if f.Request != nil {
		b[partRequest] = &f.Request.Body
	}
	if f.Response != nil {
		b[partResponse] = &f.Response.Body
	}
	if f.Original != nil {
		b[partOriginal] = &f.Original.Body
	}
	return b
}

// newID returns 16 random bytes in hex.
func newID() string {
	// Time first, then randomness: IDs stay unique across sessions, and
	// the file's primary-key index grows at its end instead of splitting
	// pages at random places on every insert.
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixNano()))
	rand.Read(b[8:]) // never fails; it crashes the program instead
	return hex.EncodeToString(b[:])
}
