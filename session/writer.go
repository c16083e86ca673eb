package session

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"slices"
	"time"
)

// writerState is what the index hands the writer; guarded by Store.mu.
type writerState struct {
	pending   map[*entry]struct{} // flows changed since the last commit
	deletes   []string            // IDs to delete from the file
	clearAll  bool                // delete every row first
	queued    uint64              // changes queued so far
	committed uint64              // changes known to be in the file
	lastErr   error               // of the last commit attempt
	attempt   chan struct{}       // closed after each commit attempt
	// upserts, writerConn and spare belong to the writer goroutine;
	// Store.mu does not guard them.
	upserts    upserter
	writerConn writerConn
	spare      map[*entry]struct{} // an empty set for pending, from the last commit
	// hooks, set by tests only, run on the writer's goroutine without
	// Store.mu: takingRows as takeRows starts, lightening as lighten does.
	hooks struct{ takingRows, lightening func() }
}

func (w *writerState) init() {
	w.pending = make(map[*entry]struct{})
	w.attempt = make(chan struct{})
}

// lightenChunk is how many committed flows commit makes light (or looks
// at) under one hold of Store.mu.
const lightenChunk = 128

// row is a flow as one commit writes it.
type row struct {
	e       *entry
	meta    *Flow
	parts   *bodyParts
	version uint64
	light   lightForm // meta's light form, once committed; see lighten
}

func (s *Store) kickWriter() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// run is the writer goroutine: it commits every FlushInterval, when kicked
// (a full batch, or Flush), and a last time on Close.
func (s *Store) run() {
	defer close(s.done)
	defer s.writerConn.close()
	defer s.upserts.close()
	t := time.NewTicker(s.opts.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			s.finalErr = s.commit()
			return
		case <-t.C:
		case <-s.kick:
		}
		s.commit()
	}
}

// commit writes what is pending in one transaction. On failure the rows go
// back to pending (unless changed or deleted meanwhile) for the next try.
func (s *Store) commit() error {
	s.mu.Lock()
	gen := s.queued
	if len(s.pending) == 0 && len(s.deletes) == 0 && !s.clearAll && len(s.msgPending) == 0 && len(s.msgDirty) == 0 {
		s.committed = gen
		s.finishAttemptLocked(nil)
		s.mu.Unlock()
		return nil
	}
	// The pending set is swapped for an empty one and read without mu:
	// a thousand flows took 120 µs under it, which Add and Update waited
	// out on the proxy's goroutines.
	pending := s.pending
	s.pending, s.spare = s.spare, nil
	if s.pending == nil {
		s.pending = make(map[*entry]struct{}, len(pending))
	}
	deletes, clearAll := s.deletes, s.clearAll
	s.deletes, s.clearAll = nil, false
	msgs := s.takeMessagesLocked()
	s.mu.Unlock()
	rows := s.takeRows(pending)

	// Seq order keeps the table's rowid order close to Seq order.
	slices.SortFunc(rows, func(a, b row) int { return cmp.Compare(a.meta.Seq, b.meta.Seq) })
	err := s.write(rows, deletes, clearAll, msgs)
	if err == nil {
		s.lighten(rows)
	}

	s.mu.Lock()
	s.endMessagesLocked(msgs, err != nil)
	if err != nil {
		s.clearAll = s.clearAll || clearAll
		s.deletes = append(deletes, s.deletes...)
		for _, r := range rows {
			if _, queued := s.pending[r.e]; s.holdsLocked(r.e) && !queued {
				s.pending[r.e] = struct{}{}
			}
		}
	} else {
		s.committed = gen
		for i, r := range rows {
			if i > 0 && i%lightenChunk == 0 {
				// Add and Update wait for mu on the proxy's goroutines:
				// let them have it (a mutex released and taken again at
				// once mostly goes to its holder).
				s.mu.Unlock()
				runtime.Gosched()
				s.mu.Lock()
			}
			// A finished flow's bodies are in the file now: drop them from
			// memory, and its headers (its snapshot goes light), unless
			// the flow changed while we were writing.
			e := r.e
			if r.light.ok() && s.holdsLocked(e) && e.version.Load() == r.version {
				delete(s.bodies, e)
				r.light.storeIn(e)
				// Journalled, so that views let go of the heavy snapshot.
				s.noteLocked(e)
			}
		}
	}
	if len(s.bodies) == 0 {
		// A map keeps the buckets it grew to: let go of a burst's.
		s.bodies = make(map[*entry]*bodyParts)
	}
	s.finishAttemptLocked(err)
	s.mu.Unlock()
	if err != nil {
		s.report(err)
	}
	return err
}

// takeRows returns the flows of pending, a set no longer Store.mu's, as
// they stand (their snapshots, bodies and versions, read under mu a chunk
// at a time), leaving out the flows deleted since. pending is kept, empty,
// for the next commit unless a burst grew it.
func (s *Store) takeRows(pending map[*entry]struct{}) []row {
	if s.hooks.takingRows != nil {
		s.hooks.takingRows()
	}
	rows := make([]row, 0, len(pending))
	for e := range pending {
		rows = append(rows, row{e: e})
	}
	kept := rows[:0]
	s.mu.Lock()
	for i := range rows {
		if i > 0 && i%lightenChunk == 0 {
			s.mu.Unlock()
			runtime.Gosched()
			s.mu.Lock()
		}
		r := rows[i]
		if !s.holdsLocked(r.e) {
			continue // deleted meanwhile (or cleared): never written
		}
		r.meta, r.parts, r.version = r.e.snapshot(), s.bodies[r.e], r.e.version.Load()
		kept = append(kept, r)
	}
	s.mu.Unlock()
	if len(pending) <= 2*s.opts.BatchSize {
		clear(pending)
		s.spare = pending
	}
	return kept
}

func (s *Store) finishAttemptLocked(err error) {
	s.lastErr = err
	close(s.attempt)
	s.attempt = make(chan struct{})
}

func final(st State) bool { return st == Done || st == Failed }

// Flush waits until every change made before the call is committed to the
// file, and returns the error of a commit that failed meanwhile (the
// changes then stay queued). It returns nil at once for a read-only store,
// and ErrClosed if Close stopped the writer first with changes left.
func (s *Store) Flush() error {
	if s.stop == nil {
		return nil
	}
	s.mu.Lock()
	target := s.queued
	for s.committed < target {
		ch := s.attempt
		s.mu.Unlock()
		s.kickWriter()
		stopped := false
		select {
		case <-ch:
		case <-s.done:
			stopped = true
		}
		s.mu.Lock()
		switch {
		case s.committed >= target:
		case s.lastErr != nil:
			err := s.lastErr
			s.mu.Unlock()
			return fmt.Errorf("flush session %s: %w", s.path, err)
		case stopped:
			s.mu.Unlock()
			return fmt.Errorf("flush session %s: %w", s.path, ErrClosed)
		}
	}
	s.mu.Unlock()
	return nil
}

const upsertSQL = `INSERT INTO flows (id, seq, state, kind, source, method, url, host, status,
	content_type, client_addr, started, duration_ns, size, error_phase, error_msg, marked, comment,
	meta, req_body, resp_body, orig_body)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)
ON CONFLICT (id) DO UPDATE SET seq = ?2, state = ?3, kind = ?4, source = ?5, method = ?6, url = ?7,
	host = ?8, status = ?9, content_type = ?10, client_addr = ?11, started = ?12, duration_ns = ?13,
	size = ?14, error_phase = ?15, error_msg = ?16, marked = ?17, comment = ?18, meta = ?19,
	req_body = CASE WHEN ?23 THEN req_body ELSE ?20 END,
	resp_body = CASE WHEN ?24 THEN resp_body ELSE ?21 END,
	orig_body = CASE WHEN ?25 THEN orig_body ELSE ?22 END`

// write commits one batch: clear, then deletes, then upserts.
func (s *Store) write(rows []row, deletes []string, clearAll bool, msgs messageBatch) error {
	ctx := context.Background()
	tx, err := s.begin(ctx)
	if err != nil {
		return fmt.Errorf("save session %s: %w", s.path, err)
	}
	defer tx.Rollback()
	if clearAll {
		if _, err := tx.ExecContext(ctx, "DELETE FROM flows"); err != nil {
			return fmt.Errorf("save session %s: clear: %w", s.path, err)
		}
		if err := deleteMessages(ctx, tx, ""); err != nil {
			return fmt.Errorf("save session %s: clear messages: %w", s.path, err)
		}
	}
	for _, id := range deletes {
		if _, err := tx.ExecContext(ctx, "DELETE FROM flows WHERE id = ?", id); err != nil {
			return fmt.Errorf("save session %s: delete flow %s: %w", s.path, id, err)
		}
		if err := deleteMessages(ctx, tx, id); err != nil {
			return fmt.Errorf("save session %s: delete messages of flow %s: %w", s.path, id, err)
		}
	}
	if len(rows) > 0 {
		if err := s.writeRows(ctx, tx, rows); err != nil {
			return fmt.Errorf("save session %s: %w", s.path, err)
		}
	}
	if !msgs.empty() {
		if err := s.writeMessages(ctx, tx, msgs); err != nil {
			return fmt.Errorf("save session %s: %w", s.path, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save session %s: %w", s.path, err)
	}
	return nil
}

// storedMeta reads and decodes the metadata of one flow in tx.
func storedMeta(ctx context.Context, tx *sql.Tx, id string) (*Flow, error) {
	var meta []byte
	if err := tx.QueryRowContext(ctx, "SELECT meta FROM flows WHERE id = ?", id).Scan(&meta); err != nil {
		return nil, fmt.Errorf("read stored headers: %w", err)
	}
	f, err := unmarshalMeta(meta)
	if err != nil {
		return nil, fmt.Errorf("decode stored headers: %w", err)
	}
	return f, nil
}

// rowArgs are the upsert's parameters for r: the readable columns, the
// metadata JSON, the bodies, and for each body whether to keep the stored
// bytes (it is not in memory). buf is reused for the JSON.
func rowArgs(r row, buf *[]byte) []any {
	f := r.meta
	*buf = appendMeta((*buf)[:0], f)
	meta := *buf
	var method, url string
	if f.Request != nil {
		method, url = f.Request.Method, f.Request.URL
	}
	var status, started, errPhase, errMsg any
	if f.Response != nil {
		status = f.Response.Status
	}
	if t := f.Start(); !t.IsZero() {
		started = t.UnixNano()
	}
	if f.Err != nil {
		errPhase, errMsg = f.Err.Phase, f.Err.Msg
	}
	args := make([]any, 0, 19+2*numParts)
	args = append(args, f.ID, f.Seq, f.State.String(), f.Kind.String(), f.Source.String(),
		method, url, f.Host(), status, f.ContentType(), f.Client.Addr, started,
		int64(f.Duration()), f.Size(), errPhase, errMsg, f.Marked, f.Comment, string(meta))
	for i := range numParts {
		if p := r.parts.get(i); p.inMem && len(p.data) > 0 {
			args = append(args, p.data)
		} else {
			args = append(args, nil)
		}
	}
	for i := range numParts {
		args = append(args, !r.parts.get(i).inMem)
	}
	return args
}
