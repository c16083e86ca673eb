package session

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Open opens the session file at path, creating it (and missing parent
// directories, 0700) with mode 0600 when it does not exist or is empty.
// Opening an existing session loads every flow's metadata into memory and
// continues it: new flows are numbered after the highest stored Seq.
//
// A file that is not a siphon session (not SQLite, another application's
// database, a damaged header) gives an error that wraps ErrNotSession, and
// such a file is never written to: it is checked before anything else
// touches it. Tables and views a user adds to a session are left alone.
// With opts.ReadOnly the file is never written at all.
//
// One Store at a time, in any process, may have a session open for
// writing: it holds an exclusive lock on FILE.lock, beside the file, until
// Close, so two writers never hand out the same Seq. Opening it for
// writing meanwhile fails with an *InUseError (it matches ErrInUse), as it
// is, without the "open session" prefix; read-only Stores need no lock and
// open it at any time.
//
// A writer also owns the flows that were still pending or intercepted when
// the previous writer stopped without finishing them (killed, crashed):
// Open marks them Failed, with the phase PhaseInterrupted, and saves them
// so. A read-only Store shows them as they are stored.
func Open(path string, opts Options) (*Store, error) {
	s, err := open(path, opts.withDefaults(), migrations())
	var inUse *InUseError
	if errors.As(err, &inUse) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("open session %s: %w", path, err)
	}
	return s, nil
}

// maxConns bounds the SQLite connections of a store: the writer and a few
// readers (Get, body filters).
const maxConns = 4

func open(path string, opts Options, steps []migration) (_ *Store, err error) {
	if opts.LoadInBackground && !opts.ReadOnly {
		// A writer must know every stored Seq and pending flow before it
		// numbers new flows and marks interrupted ones.
		return nil, errors.New("loading in the background needs a read-only store")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	var lock *writerLock
	if !opts.ReadOnly {
		// Before anything reads the file: what is pending in it is only
		// ours to judge (markInterrupted) when no other writer is running.
		if lock, err = acquireLock(abs, path); err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				lock.release()
			}
		}()
	}
	fresh, created, err := prepareFile(abs, opts.ReadOnly)
	if err != nil {
		return nil, err
	}
	if created {
		defer func() {
			if err != nil {
				removeSession(abs)
			}
		}()
	}
	ctx := context.Background()
	version := 0
	var loaded *loadResult
	var db *sql.DB
	if !fresh {
		// Check and read through a read-only connection, so that a file that
		// turns out not to be a session is never written to.
		ro, err := sql.Open("sqlite", dsn(abs, true))
		if err != nil {
			return nil, err
		}
		ro.SetMaxOpenConns(maxConns)
		version, err = checkSchema(ctx, ro, steps)
		switch {
		case err != nil || version != len(steps):
		case opts.LoadInBackground:
			loaded = &loadResult{ctypes: ctypes{}, compact: newCompactor()} // newStore starts the load
		default:
			loaded, err = loadFlows(ctx, ro)
		}
		if err == nil && opts.ReadOnly && version < len(steps) {
			err = fmt.Errorf("schema version %d needs migrating to %d: open it once without read-only",
				version, len(steps))
		}
		if err != nil || !opts.ReadOnly {
			ro.Close()
		}
		if err != nil {
			return nil, err
		}
		db = ro
	}
	if !opts.ReadOnly {
		db, err = sql.Open("sqlite", dsn(abs, false))
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(maxConns)
		if err := prepareWritable(ctx, db, version, steps); err != nil {
			db.Close()
			return nil, err
		}
		if loaded == nil {
			if loaded, err = loadFlows(ctx, db); err != nil {
				db.Close()
				return nil, err
			}
		}
	}
	read, err := db.PrepareContext(ctx, "SELECT meta, req_body, resp_body, orig_body FROM flows WHERE id = ?")
	if err != nil {
		db.Close()
		return nil, err
	}
	readMeta, err := db.PrepareContext(ctx, "SELECT meta FROM flows WHERE id = ?")
	if err != nil {
		read.Close()
		db.Close()
		return nil, err
	}
	if loaded.msgStats, loaded.msgTable, err = loadMessageStats(ctx, db); err != nil {
		read.Close()
		readMeta.Close()
		db.Close()
		return nil, err
	}
	s := newStore(abs, opts, db, read, readMeta, loaded)
	s.lock, s.created = lock, created
	if opts.LoadInBackground && !fresh {
		if err := s.loadInBackground(db, opts.loadPace); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// prepareFile makes sure a file exists at abs and says whether it is fresh
// (empty, to be initialised) and whether this call created it. A non-empty
// file must carry a siphon session header.
func prepareFile(abs string, readOnly bool) (fresh, created bool, err error) {
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !readOnly:
		if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
			return false, false, err
		}
		fh, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return false, false, err
		}
		return true, true, fh.Close()
	case err != nil:
		return false, false, err
	case !fi.Mode().IsRegular():
		return false, false, notSession("not a regular file")
	case fi.Size() == 0 && readOnly:
		return false, false, notSession("empty file")
	case fi.Size() == 0:
		return true, false, nil
	}
	return false, false, checkHeader(abs)
}

// dsn is the driver name for the file: a URI, so that SQLite honours
// mode=ro (never create, never write) and mode=rw (never create).
func dsn(abs string, readOnly bool) string {
	u := url.URL{Scheme: "file", OmitHost: true, Path: filepath.ToSlash(abs)}
	mode := "rw"
	if readOnly {
		mode = "ro"
	}
	// synchronous=NORMAL in WAL mode survives a killed process; only a
	// power loss can drop the last commits.
	q := "?mode=" + mode + "&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	if !readOnly {
		// A flow is ~2 KiB of rows, and every page SQLite writes is two
		// system calls in the WAL and one more when checkpointed: 16 KiB
		// pages (for files created from now on; a file keeps its size)
		// and a 64 MiB WAL between checkpoints took the store from 15k to
		// 21k flows/s (BenchmarkStoreRecord).
		q += "&_pragma=page_size(16384)&_pragma=wal_autocheckpoint(4000)"
	}
	return u.String() + q
}

// prepareWritable migrates the schema (creating it in a fresh file) and
// turns on WAL mode.
func prepareWritable(ctx context.Context, db *sql.DB, version int, steps []migration) error {
	// A fresh file is created in rollback-journal mode, so its header (and
	// application_id) lands in the main file in one transaction.
	if err := migrate(ctx, db, version, steps); err != nil {
		return err
	}
	if err := prepareMessages(ctx, db); err != nil {
		return err
	}
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		return fmt.Errorf("enable WAL: %w", err)
	}
	if mode != "wal" {
		return fmt.Errorf("enable WAL: journal mode is %q", mode)
	}
	return nil
}

func newStore(abs string, opts Options, db *sql.DB, read, readMeta *sql.Stmt, loaded *loadResult) *Store {
	s := &Store{
		path:     abs,
		opts:     opts,
		db:       db,
		read:     read,
		readMeta: readMeta,
		ctypes:   loaded.ctypes,
		compact:  loaded.compact,
		changed:  make(chan struct{}, 1),
		kick:     make(chan struct{}, 1),
		done:     make(chan struct{}),
		bodies:   make(map[*entry]*bodyParts),
		order:    loaded.entries,
		seq:      loaded.maxSeq,
	}
	s.writerState.init()
	s.messageState.init(loaded.msgStats, loaded.msgTable)
	for i, e := range loaded.entries {
		s.indexLocked(e)
		e.pos = int32(i)
	}
	for _, err := range loaded.skipped {
		s.report(fmt.Errorf("open session %s: %w", abs, err))
	}
	if opts.ReadOnly {
		close(s.done)
	} else {
		s.stop = make(chan struct{})
		s.markInterrupted()
		go s.run()
	}
	return s
}
