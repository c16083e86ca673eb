//go:build windows

package session

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// lockOffset is where the locked byte lies: past the pid, because Windows
// locks are mandatory and a second siphon must still read the pid.
const lockOffset = 1 << 30

// lockFile takes an exclusive LockFileEx lock on f without waiting. The
// lock belongs to f's handle: a second open of the same file, in this
// process too, does not get it.
func lockFile(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var lerr error
	if err := rc.Control(func(fd uintptr) {
		ol := windows.Overlapped{Offset: lockOffset}
		lerr = windows.LockFileEx(windows.Handle(fd),
			windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	}); err != nil {
		return err
	}
	if errors.Is(lerr, windows.ERROR_LOCK_VIOLATION) {
		return errLocked
	}
	return lerr
}

// release lets go of the lock. The file stays: Windows cannot remove a
// file another process may have open, and an unlocked file blocks nobody.
func (l *writerLock) release() error {
	return l.f.Close()
}
