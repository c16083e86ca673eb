//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd || windows)

package session

import (
	"errors"
	"os"
)

// lockFile takes no lock: on these systems (Solaris, AIX, Plan 9,
// WebAssembly) siphon has no portable file lock, and two writers can still
// share a session.
func lockFile(*os.File) error { return nil }

// release removes the lock file.
func (l *writerLock) release() error {
	err := os.Remove(l.path)
	if errors.Is(err, os.ErrNotExist) {
		err = nil
	}
	return errors.Join(err, l.f.Close())
}
