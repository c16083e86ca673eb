package session

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// ErrInUse is matched (errors.Is) by the error Open returns when another
// Store, in this process or another, has the session open for writing.
var ErrInUse = errors.New("session: in use by another siphon")

// InUseError is the error Open returns for a session another writer holds.
// Its message is the whole story ("session FILE is in use by another siphon
// (pid N)"), so Open returns it as it is, without its usual prefix.
type InUseError struct {
	Path string // the session file, as given to Open
	// PID is the process holding the session, as it recorded it in the
	// lock file; 0 when it could not be read (the holder had not written
	// it yet).
	PID int
}

func (e *InUseError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("session %s is in use by another siphon (pid %d)", e.Path, e.PID)
	}
	return fmt.Sprintf("session %s is in use by another siphon", e.Path)
}

// Is makes errors.Is(err, ErrInUse) true.
func (e *InUseError) Is(target error) bool { return target == ErrInUse }

// errLocked is what lockFile returns when another open file holds the lock.
var errLocked = errors.New("session: locked by another open file")

// writerLock is the exclusive lock a writing Store holds on FILE.lock, a
// file beside the session. The session file itself is not locked: SQLite
// takes POSIX record locks on it, which some systems (the BSDs, macOS) mix
// with flock, and which any close of the file in this process would drop.
// The lock belongs to the open file, so the kernel releases it when the
// process dies: a lock file left by a killed siphon, with its dead pid in
// it, blocks nobody.
type writerLock struct {
	f    *os.File
	path string
}

// lockAttempts bounds how often acquireLock reopens a lock file that its
// holder removed between our open and our lock.
const lockAttempts = 10

// acquireLock takes the writer lock of the session file abs and records
// this process's pid in it. shown is the path an InUseError names.
func acquireLock(abs, shown string) (*writerLock, error) {
	target := abs
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		target = real // one lock for every name of the file
	}
	path := target + ".lock"
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	for range lockAttempts {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("lock: %w", err)
		}
		if err := lockFile(f); err != nil {
			pid := readPID(f)
			f.Close()
			if errors.Is(err, errLocked) {
				return nil, &InUseError{Path: shown, PID: pid}
			}
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		// A holder closing its store removes the file while it still holds
		// the lock: if it did so after our open, our lock is on a file
		// nobody else will open, and we must try the name again.
		if linked, err := sameFile(f, path); err != nil || !linked {
			f.Close()
			continue
		}
		if err := writePID(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		return &writerLock{f: f, path: path}, nil
	}
	return nil, fmt.Errorf("lock %s: the file kept being replaced", path)
}

// sameFile reports whether path still names the open file f.
func sameFile(f *os.File, path string) (bool, error) {
	open, err := f.Stat()
	if err != nil {
		return false, err
	}
	named, err := os.Stat(path)
	if err != nil {
		return false, nil // removed meanwhile
	}
	return os.SameFile(open, named), nil
}

// writePID replaces the lock file's content with this process's pid.
func writePID(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
}

// readPID reads the pid a holder recorded; 0 when there is none.
func readPID(f *os.File) int {
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 32))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}
