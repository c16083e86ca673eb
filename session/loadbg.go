package session

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
)

// A read-only Store may load its flows in the background
// (Options.LoadInBackground): Open returns once the first batch of the
// file's flows is in memory, and a goroutine adds the others as they are
// read, in the file's order (Seq order, as siphon writes it), the way new
// flows are added: Changed signals, and Views pick them up on Refresh. A
// user opening a million-flow capture sees its first rows at once instead
// of after seconds of decoding (issue 17).

// LoadState is how far the loading of a Store's flows has come.
type LoadState struct {
	// Loaded counts the flows added to the store so far, and Total the
	// flows in the file when the load began (rows that cannot be decoded
	// included).
	Loaded, Total int
	// Skipped counts the rows left out because their metadata could not
	// be decoded (each one also reported through Options.OnError).
	Skipped int
	// Done says the load has ended: every row read, or stopped early by
	// Err, Clear or Close.
	Done bool
	// Err is why the load stopped before the end of the file; the flows
	// loaded until then stay.
	Err error
}

// Loading says whether flows are still being added by the load.
func (l LoadState) Loading() bool { return !l.Done }

// bgLoad is the state of a background load, guarded by Store.mu but for
// cancel and done.
type bgLoad struct {
	state   LoadState
	stopped bool // Clear or Close: add nothing more
	sized   bool // the store's order and ID map were made for Total flows
	cancel  context.CancelFunc
	done    chan struct{} // closed when the loading goroutines have exited
	// first is closed when Open may return: the first batch is in the
	// store, or the load has ended.
	first chan struct{}
	// pace, for tests, runs before each batch after the first is added;
	// it returns early when ctx ends.
	pace func(ctx context.Context)
}

// LoadState returns how far the loading of the store's flows has come: a
// Store opened without LoadInBackground is done from the start.
func (s *Store) LoadState() LoadState {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bg == nil {
		n := s.byID.len() + len(s.oddIDs)
		return LoadState{Loaded: n, Total: n, Done: true}
	}
	return s.bg.state
}

// Loaded returns a channel closed once the store's flows are loaded: at
// once for a Store opened without LoadInBackground; otherwise when the
// background load has ended (complete, failed, or stopped by Clear or
// Close) and added its last flow.
func (s *Store) Loaded() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bg == nil {
		done := make(chan struct{})
		close(done)
		return done
	}
	return s.bg.done
}

// loadInBackground starts loading the flows of db into s, a read-only
// store that holds none yet, and returns once the first batch is in, or
// with the error that ended the load before anything was read.
func (s *Store) loadInBackground(db *sql.DB, pace func(context.Context)) error {
	ctx, cancel := context.WithCancel(context.Background())
	bg := &bgLoad{cancel: cancel, done: make(chan struct{}), first: make(chan struct{}), pace: pace}
	s.mu.Lock()
	s.bg = bg
	s.mu.Unlock()
	// New flows, and flows added to a read-only store during the load, are
	// numbered after the last row of the file, which siphon writes in Seq
	// order (see readMetas): a max(seq) would read every row first.
	var last sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT seq FROM flows ORDER BY rowid DESC LIMIT 1").Scan(&last); err != nil && !errors.Is(err, sql.ErrNoRows) {
		cancel()
		close(bg.done)
		return fmt.Errorf("read flows: %w", err)
	}
	s.mu.Lock()
	s.seq = max(s.seq, last.Int64)
	s.mu.Unlock()
	go s.runLoad(ctx, db, bg)
	<-bg.first
	s.mu.Lock()
	st := bg.state
	s.mu.Unlock()
	if st.Err != nil && st.Loaded == 0 {
		cancel()
		<-bg.done
		return fmt.Errorf("read flows: %w", st.Err)
	}
	return nil
}

// runLoad reads every flow of db into s, then records the end of the load.
func (s *Store) runLoad(ctx context.Context, db *sql.DB, bg *bgLoad) {
	defer close(bg.done)
	res := &loadResult{ctypes: ctypes{}, compact: newCompactor()}
	dec := newMetaDecoder()
	dec.light = res.ctypes
	batches := 0
	err := readMetasCounted(ctx, db, func(b *loadBatch) {
		if ctx.Err() != nil {
			return // stopped: the reader is ending too
		}
		res.entries, res.skipped = res.entries[:0], res.skipped[:0]
		res.decode(dec, b)
		if batches > 0 && bg.pace != nil {
			bg.pace(ctx)
		}
		batches++
		s.addLoaded(bg, res, b)
	})
	s.mu.Lock()
	failed := err != nil && !bg.stopped && ctx.Err() == nil
	if failed {
		bg.state.Err = err
	}
	bg.state.Done = true
	loaded := bg.state.Loaded
	s.mu.Unlock()
	bg.cancel()
	select {
	case <-bg.first:
		if failed { // else Open returns it
			s.report(fmt.Errorf("open session %s: read flows: %w (%d flows loaded)", s.path, err, loaded))
		}
	default:
		close(bg.first)
	}
	s.notify()
}

// addLoaded adds the flows decoded from batch b to s, in Seq order.
func (s *Store) addLoaded(bg *bgLoad, res *loadResult, b *loadBatch) {
	// Rows come in Seq order from a file siphon wrote; sorting a batch is
	// cheap, and a batch that does not follow the flows already in goes
	// through a merge below.
	slices.SortStableFunc(res.entries, func(a, b *entry) int { return cmp.Compare(a.seq(), b.seq()) })
	s.mu.Lock()
	if bg.stopped {
		s.mu.Unlock()
		return
	}
	bg.state.Total = max(bg.state.Total, b.total)
	bg.state.Loaded += len(res.entries)
	bg.state.Skipped += len(res.skipped)
	for _, seq := range b.seqs { // undecodable rows' too: no Seq is reused
		s.seq = max(s.seq, seq)
	}
	if !bg.sized && len(s.order) == 0 && bg.state.Total > 0 {
		bg.sized = true
		// The first batch: room for every flow in order, instead of
		// copying it twenty times on the way to a million. Not in the ID
		// map: the collector would scan all of its empty slots in every
		// cycle of the load (GC took 2.7 s instead of 1.1 s at 1M flows).
		s.order = make([]*entry, 0, bg.state.Total)
	}
	news := res.entries
	if n := len(s.order); n > 0 && len(news) > 0 && s.order[n-1].seq() > news[0].seq() {
		// Out of order: a new slice (List and Views may be ranging over
		// the old one) and new positions.
		merged := make([]*entry, 0, n+len(news))
		old := s.order
		for len(old) > 0 && len(news) > 0 {
			if old[0].seq() <= news[0].seq() {
				merged, old = append(merged, old[0]), old[1:]
			} else {
				s.indexLocked(news[0])
				merged, news = append(merged, news[0]), news[1:]
			}
		}
		merged = append(merged, old...)
		for _, e := range news {
			s.indexLocked(e)
		}
		s.order = append(merged, news...)
		s.renumberLocked()
	} else {
		// Appended past the end: readers of the old slice header do not
		// see them, and Views find them as new flows at the end.
		for _, e := range news {
			e.pos = int32(len(s.order))
			s.indexLocked(e)
			s.order = append(s.order, e)
		}
	}
	s.mu.Unlock()
	for _, err := range res.skipped {
		s.report(fmt.Errorf("open session %s: %w", s.path, err))
	}
	select {
	case <-bg.first:
	default:
		close(bg.first)
	}
	s.notify()
}

// stopLoadLocked makes a background load add nothing more (Clear, Close);
// s.mu is held. It returns the channel closed once the load has exited,
// nil without one.
func (s *Store) stopLoadLocked() <-chan struct{} {
	if s.bg == nil {
		return nil
	}
	if !s.bg.stopped {
		s.bg.stopped = true
		s.bg.state.Done = true
		s.bg.cancel()
	}
	return s.bg.done
}
