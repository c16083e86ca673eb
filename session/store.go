package session

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// ErrNotFound is returned for a flow ID the store does not hold.
var ErrNotFound = errors.New("session: flow not found")

// ErrClosed is returned by Store methods that need the writer after Close.
var ErrClosed = errors.New("session: store closed")

// Options configure a Store. The zero value is a read-write store with the
// default batching.
type Options struct {
	// ReadOnly opens an existing session without ever writing to its file
	// (SQLite may still create the -shm index and an empty -wal file beside
	// it, as for any reader of a WAL database). Add, Update, Delete and
	// Clear then change only the memory of this Store; nothing is persisted.
	// A read-only Store takes no lock: it may read a session another
	// siphon is writing, and shows that writer's pending flows as pending.
	ReadOnly bool
	// FlushInterval is how often pending flows are committed; 100 ms when
	// zero or negative.
	FlushInterval time.Duration
	// BatchSize commits early once this many flows are pending; 1000 when
	// zero or negative.
	BatchSize int
	// MessageCap is how many WebSocket messages a flow stores; past it
	// AddMessage only counts them. DefaultMessageCap when zero, no cap when
	// negative.
	MessageCap int
	// ShareHeaders makes Add and Update keep the header and trailer maps
	// of the flows handed to them instead of copying them: for a store
	// whose callers never modify such a map once they have handed it
	// over, only replace it (the proxy, and the flow list's and the
	// breakpoint editor's changes to flows they copied first). Copying
	// them was most of the cost of recording a flow, and a flow is
	// recorded two or three times on its way through the proxy.
	ShareHeaders bool
	// OnError, if set, receives errors that no method can return: failed
	// commits (the flows stay pending and are retried on the next tick),
	// stored flows that cannot be decoded on Open (they are skipped and left
	// in the file), and Add after Close. It runs on the writer goroutine (or
	// on the goroutine calling Open or Add), must return quickly, and must
	// not call Flush or Close.
	OnError func(error)
	// LoadInBackground, with ReadOnly, makes Open return once the first
	// flows of the file are in memory (a screenful and more) and load the
	// others on a goroutine, in Seq order, as if they were being added:
	// Changed signals as they come in, and LoadState says how far the
	// load is. Until then Get, Update and Delete of a flow not yet loaded
	// fail with ErrNotFound, and Clear stops the load. Open fails when
	// it is set without ReadOnly.
	LoadInBackground bool

	// loadPace, for tests, runs on the loading goroutine before each
	// batch after the first is added (loadbg.go).
	loadPace func(ctx context.Context)
}

func (o Options) withDefaults() Options {
	if o.FlushInterval <= 0 {
		o.FlushInterval = 100 * time.Millisecond
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 1000
	}
	return o
}

// Store is one session: an in-memory index of every flow's metadata, backed
// by a SQLite file that one writer goroutine updates in batches. Bodies of
// finished, committed flows are not kept in memory; Get reads them back.
//
// All methods of Store are safe for concurrent use. Add, Update, Delete and
// Clear never wait for the disk.
type Store struct {
	path     string
	opts     Options
	db       *sql.DB
	read     *sql.Stmt     // reads the metadata and bodies of one flow
	readMeta *sql.Stmt     // reads the metadata of one flow
	changed  chan struct{} // capacity 1, see Changed
	kick     chan struct{} // capacity 1, wakes the writer early
	stop     chan struct{} // closed by Close; nil for a read-only store
	done     chan struct{} // closed when the writer has exited

	mu   sync.Mutex
	byID idTable // the entries of canonical IDs (idtable.go)
	// oddIDs holds the flows whose IDs are not canonical (flowid.go).
	oddIDs map[string]*entry
	// order holds the entries in Seq order. It is appended to, or replaced
	// by a new slice, but never changed in place, so List can range over a
	// copy of the slice header without holding mu.
	order []*entry
	// journal lists entries as they are added or updated (repeats
	// included), so that a View catches up on what changed without walking
	// every flow. journalBase numbers its first element; epoch changes
	// whenever Delete or Clear replaces order, which journals cannot say.
	journal     []*entry
	journalBase uint64
	epoch       uint64
	seq         int64  // highest Seq handed out
	ctypes      ctypes // shared by light snapshots
	// bodies holds the body bytes still in memory, by entry: only flows
	// not yet committed have any, so a field in every entry would cost a
	// million-flow session 8 MB for nothing.
	bodies  map[*entry]*bodyParts
	compact *compactor // interns the compact rows' strings
	closed  bool
	bg      *bgLoad // the background load (loadbg.go); nil without one
	writerState
	messageState

	lock    *writerLock // held by a writer until Close; nil when read-only
	created bool        // Open created the file (Discard may remove it)

	closeOnce sync.Once
	closeErr  error
	finalErr  error // the writer's last commit on Close; read after done
}

// Body parts of a flow, the order of the body columns.
const (
	partRequest = iota
	partResponse
	partOriginal
	numParts
)

// bodyPart is one body's bytes as far as memory knows them. When inMem is
// false the bytes are in the file and data is nil.
type bodyPart struct {
	data  []byte
	inMem bool
}

// bodyParts are a flow's bodies in part order. An entry's bodyParts are
// replaced, never modified, so a reader may keep the pointer after
// releasing Store.mu.
type bodyParts [numParts]bodyPart

// setPartsLocked records e's bodies in memory; nil when all are in the
// file. s.mu is held.
func (s *Store) setPartsLocked(e *entry, p *bodyParts) {
	if p == nil {
		delete(s.bodies, e)
		return
	}
	s.bodies[e] = p
}

// get returns part i; a nil *bodyParts means every body is in the file.
func (p *bodyParts) get(i int) bodyPart {
	if p == nil {
		return bodyPart{}
	}
	return p[i]
}

// entry is one flow in the index, 40 bytes. meta is the flow without body
// bytes (bodies Unloaded, headers too once committed: see light.go), or
// nil while row holds it; it is replaced on Update, never modified, and
// may be read without mu (through snapshot). The other fields are guarded
// by Store.mu.
type entry struct {
	key  idKey // the ID's bytes when canonical (flowid.go); zero otherwise
	meta atomic.Pointer[Flow]
	// version counts the flow's changes; it is stored after meta, so a
	// reader that loads version first and meta second never pairs a
	// version with an older snapshot. Making a snapshot light (light.go)
	// replaces meta without changing the version.
	version flowVersion
	pos     int32 // index in Store.order
	// row is the flow's compact form (compact.go), read when meta is nil:
	// it is stored before meta is cleared, and left behind (unread) when
	// meta is set again.
	row atomic.Pointer[compactRow]
}

// flowVersion is an entry's count of changes, in 32 bits: two versions
// of a flow are told apart as long as it does not change 2³² times while
// a reader holds one (Views keep 31 bits).
type flowVersion struct{ v atomic.Uint32 }

// Load returns the version.
func (fv *flowVersion) Load() uint64 { return uint64(fv.v.Load()) }

// Add adds d to the version and returns the new one.
func (fv *flowVersion) Add(d uint64) uint64 { return uint64(fv.v.Add(uint32(d))) }

// snapshot returns the flow's current snapshot: meta, or a Flow built from
// its compact row (a new one each call, equal to the light snapshot it
// stands for).
func (e *entry) snapshot() *Flow {
	if f := e.meta.Load(); f != nil {
		return f
	}
	return e.row.Load().flow(e.ID())
}

// snapshotIn is snapshot, built in sc when the flow is a compact row: for
// a loop that keeps none of the snapshots, valid until sc is used again.
// Its ID is "" when sc.noIDs is set.
func (e *entry) snapshotIn(sc *scratch) *Flow {
	if f := e.meta.Load(); f != nil {
		return f
	}
	id := ""
	if !sc.noIDs {
		id = sc.id(e)
	}
	return e.row.Load().flowInto(id, sc)
}

// state is the flow's State, without building a snapshot.
func (e *entry) state() State {
	if f := e.meta.Load(); f != nil {
		return f.State
	}
	return e.row.Load().shape.state
}

// seq is the flow's Seq, without building a snapshot.
func (e *entry) seq() int64 {
	if f := e.meta.Load(); f != nil {
		return f.Seq
	}
	return e.row.Load().seq
}

// journalLimit is the journal length past which its older half is dropped
// (when it is also longer than twice the session, or than journalMax): a
// View that falls that far behind walks every flow once instead. A
// million-flow session would otherwise keep two million entries in it.
const (
	journalLimit = 8192
	journalMax   = 1 << 16
)

// noteLocked journals a change to e; s.mu is held.
func (s *Store) noteLocked(e *entry) {
	s.journal = append(s.journal, e)
	if len(s.journal) > journalLimit && (len(s.journal) > 2*len(s.order) || len(s.journal) > journalMax) {
		k := len(s.journal) / 2
		s.journal = append([]*entry(nil), s.journal[k:]...)
		s.journalBase += uint64(k)
	}
}

// renumberLocked sets every entry's pos after order was replaced, and
// starts a new epoch; s.mu is held.
func (s *Store) renumberLocked() {
	for i, e := range s.order {
		e.pos = int32(i)
	}
	s.epoch++
	s.journalBase += uint64(len(s.journal))
	s.journal = nil
}

// changesLocked returns the order positions of the entries journalled
// since cursor in epoch, and the cursor and epoch to ask with next time.
// ok is false when the journal cannot tell (another epoch, or changes
// already dropped); s.mu is held.
func (s *Store) changesLocked(cursor, epoch uint64) (pos []int, next, nextEpoch uint64, ok bool) {
	next, nextEpoch = s.journalBase+uint64(len(s.journal)), s.epoch
	if epoch != s.epoch || cursor < s.journalBase || cursor > next {
		return nil, next, nextEpoch, false
	}
	news := s.journal[cursor-s.journalBase:]
	pos = make([]int, len(news)) // never nil: nil means "look at every flow"
	for i, e := range news {
		pos[i] = int(e.pos)
	}
	return pos, next, nextEpoch, true
}

// Path returns the absolute path of the session file.
func (s *Store) Path() string { return s.path }

// Changed returns a channel that receives a value after flows were added,
// updated or deleted. Signals coalesce: one value may stand for many
// changes, and a reader that is slow misses none of the fact that something
// changed. The channel is never closed.
func (s *Store) Changed() <-chan struct{} { return s.changed }

func (s *Store) notify() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

func (s *Store) report(err error) {
	if s.opts.OnError != nil {
		s.opts.OnError(err)
	}
}

// Close commits everything pending, stops the writer, closes the file and
// lets other writers open it. It returns the error of the final commit, if
// any. Calling it again returns the same result. After Close, Get of a
// flow whose bodies or headers are on disk fails with ErrClosed; List,
// Count and Len keep working from memory (committed flows then come
// without the headers that only the file holds, see Flow.HeadersUnloaded).
func (s *Store) Close() error { return s.close(false) }

// Discard is Close for a session that should not have been started (the
// proxy failed to start): it closes the store and, if this Store's Open
// created the file, removes it with the files SQLite keeps beside it. A
// session that existed before Open is closed and left as it is. After
// Close, Discard only returns Close's result.
func (s *Store) Discard() error { return s.close(true) }

func (s *Store) close(discard bool) error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		loading := s.stopLoadLocked()
		s.mu.Unlock()
		if loading != nil {
			<-loading // before the statements and the file it reads close
		}
		var errs []error
		if s.stop != nil {
			close(s.stop)
			<-s.done
			errs = append(errs, s.finalErr)
		}
		if err := s.read.Close(); err != nil {
			errs = append(errs, err)
		}
		if err := s.readMeta.Close(); err != nil {
			errs = append(errs, err)
		}
		if err := s.db.Close(); err != nil {
			errs = append(errs, err)
		}
		if discard && s.created {
			// Still holding the lock, so no other writer opens the file
			// between its removal and ours.
			errs = append(errs, removeSession(s.path))
		}
		if s.lock != nil {
			if err := s.lock.release(); err != nil {
				errs = append(errs, err)
			}
		}
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("close session %s: %w", s.path, err)
		}
	})
	return s.closeErr
}

// removeSession removes the session file abs and SQLite's files beside it.
func removeSession(abs string) error {
	var errs []error
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		if err := os.Remove(abs + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
