package mcp

import (
	"os"
	"sync"
	"time"

	"github.com/siphonproxy/siphon/session"
)

// Source hands the server the store to read for one request.
type Source interface {
	// Acquire returns the store to read and a release to call when done
	// with it; the store stays open until then.
	Acquire() (store *session.Store, release func(), err error)
}

// StoreSource serves one open store, the live proxy's: it sees every flow
// as the proxy records it.
type StoreSource struct{ Store *session.Store }

// Acquire returns s.Store.
func (s StoreSource) Acquire() (*session.Store, func(), error) { return s.Store, func() {}, nil }

// FileSource reads a session file that another siphon may be writing.
// A read-only session.Store indexes the flows the file held when it was
// opened, so FileSource opens the file again when it (or its write-ahead
// log) has changed since: flows committed after the server started are seen
// by the next request. A store in use by a request stays open until the
// request releases it. FileSource is safe for concurrent use.
type FileSource struct {
	path   string
	now    func() time.Time // time.Now; tests replace it
	factor time.Duration    // reopenFactor; tests set 0 to reopen on every change

	mu     sync.Mutex
	cur    *handle
	stamp  fileStamp
	closed bool
	// opened is when cur was opened, and cost how long that took: a
	// session of a million flows takes seconds to index, so while another
	// siphon keeps committing, it is opened again only once reopenFactor
	// times that has passed. Small sessions reopen at once.
	opened time.Time
	cost   time.Duration
}

// reopenFactor bounds the time spent reopening a changing session to about
// a tenth of the time.
const reopenFactor = 10

type handle struct {
	store *session.Store
	refs  int
	stale bool
}

// fileStamp identifies a version of the session file and its WAL.
type fileStamp struct {
	size, walSize   int64
	mtime, walMtime time.Time
}

// OpenFile opens the session file at path read-only.
func OpenFile(path string) (*FileSource, error) {
	fs := &FileSource{path: path, now: time.Now, factor: reopenFactor}
	if err := fs.open(); err != nil {
		return nil, err
	}
	return fs, nil
}

func stampOf(path string) fileStamp {
	var s fileStamp
	if fi, err := os.Stat(path); err == nil {
		s.size, s.mtime = fi.Size(), fi.ModTime()
	}
	if fi, err := os.Stat(path + "-wal"); err == nil {
		s.walSize, s.walMtime = fi.Size(), fi.ModTime()
	}
	return s
}

// Acquire returns a store that holds every flow committed to the file so
// far.
func (fs *FileSource) Acquire() (*session.Store, func(), error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.closed {
		return nil, nil, session.ErrClosed
	}
	if stampOf(fs.path) != fs.stamp && fs.now().Sub(fs.opened) >= fs.factor*fs.cost {
		// A file that does not open now (the writer is in the middle of
		// something) is tried again on the next request; meanwhile the
		// flows already read are served.
		fs.open()
	}
	h := fs.cur
	h.refs++
	var once sync.Once
	release := func() {
		once.Do(func() {
			fs.mu.Lock()
			defer fs.mu.Unlock()
			h.refs--
			if h.stale && h.refs == 0 {
				h.store.Close()
			}
		})
	}
	return h.store, release, nil
}

// open indexes the file anew and makes it the current store. fs.mu is held
// (or fs is not shared yet).
func (fs *FileSource) open() error {
	start := fs.now()
	// The stamp is taken before the file is read: a commit landing while
	// it is read then shows as a change and the next request reopens.
	// (Taken after, such a commit went unseen until the writer's next
	// one.) The -wal and -shm files opening may create cost at most one
	// reopen more.
	stamp := stampOf(fs.path)
	st, err := session.Open(fs.path, session.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	if fs.cur != nil {
		fs.retire(fs.cur)
	}
	fs.cur = &handle{store: st}
	fs.opened = fs.now()
	fs.cost = fs.opened.Sub(start)
	fs.stamp = stamp
	return nil
}

// retire closes h once no request uses it. fs.mu is held.
func (fs *FileSource) retire(h *handle) {
	h.stale = true
	if h.refs == 0 {
		h.store.Close()
	}
}

// Path returns the session file's path.
func (fs *FileSource) Path() string { return fs.path }

// Close closes the store; requests still holding it finish first.
func (fs *FileSource) Close() error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.closed {
		return nil
	}
	fs.closed = true
	fs.retire(fs.cur)
	return nil
}
