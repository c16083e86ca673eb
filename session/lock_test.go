package session

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// assertInUse checks that err is the InUseError of path held by pid.
func assertInUse(t *testing.T, err error, path string, pid int) {
	t.Helper()
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("Open error = %v, want ErrInUse", err)
	}
	var inUse *InUseError
	if !errors.As(err, &inUse) || inUse.PID != pid || inUse.Path != path {
		t.Fatalf("Open error = %#v, want an *InUseError of %s held by pid %d", err, path, pid)
	}
	if want := fmt.Sprintf("session %s is in use by another siphon (pid %d)", path, pid); err.Error() != want {
		t.Errorf("Open error = %q, want %q", err, want)
	}
}

func TestSecondWriterIsRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.db")
	first := openStore(t, path, Options{})
	first.Add(smallFlow(1))
	mustFlush(t, first)
	before := readFile(t, path)

	second, err := Open(path, Options{})
	if err == nil {
		second.Close()
		t.Fatal("a second writer opened a session the first still writes")
	}
	assertInUse(t, err, path, os.Getpid())
	if after := readFile(t, path); string(after) != string(before) {
		t.Error("the refused writer changed the session file")
	}

	// Another name of the same file is the same session.
	link := filepath.Join(dir, "link.db")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(link, Options{}); err == nil {
		s.Close()
		t.Fatal("a writer opened the session through a symlink while the first writes")
	} else {
		assertInUse(t, err, link, os.Getpid())
	}

	// Readers take no lock.
	ro := openStore(t, path, Options{ReadOnly: true})
	if ro.Len() != 1 {
		t.Errorf("reader beside a writer sees %d flows, want 1", ro.Len())
	}
	mustClose(t, ro)

	// Once the first is closed the next writer goes on numbering after it.
	mustClose(t, first)
	if runtime.GOOS != "windows" {
		if _, err := os.Stat(path + ".lock"); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Close left the lock file behind: %v", err)
		}
	}
	next := openStore(t, path, Options{})
	f := smallFlow(2)
	next.Add(f)
	if f.Seq != 2 {
		t.Errorf("Seq after the first writer closed = %d, want 2", f.Seq)
	}
}

func TestLockFileOfADeadWriterDoesNotBlock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	// What a killed siphon leaves: its pid, and no lock (the kernel
	// dropped it with the process).
	if err := os.WriteFile(path+".lock", []byte("2147483647\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, path, Options{})
	if got := strings.TrimSpace(string(readFile(t, path+".lock"))); got != strconv.Itoa(os.Getpid()) {
		t.Errorf("lock file holds %q, want this process's pid %d", got, os.Getpid())
	}
	mustClose(t, s)
}

func TestRefusedWriterCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.db")
	first := openStore(t, path, Options{})
	entries, _ := os.ReadDir(dir)
	if s, err := Open(path, Options{}); !errors.Is(err, ErrInUse) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("second writer: %v, want ErrInUse", err)
	}
	if after, _ := os.ReadDir(dir); len(after) != len(entries) {
		t.Errorf("the refused writer left files: %d entries before, %d after", len(entries), len(after))
	}
	mustClose(t, first)
}

func TestDiscardRemovesOnlyWhatOpenCreated(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "new.db")
	s := openStore(t, path, Options{})
	if err := s.Discard(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("Discard of a session Open created left %v", left)
	}

	old := filepath.Join(dir, "old.db")
	s = openStore(t, old, Options{})
	s.Add(smallFlow(1))
	mustClose(t, s)
	s = openStore(t, old, Options{})
	if err := s.Discard(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, old, Options{ReadOnly: true})
	if s.Len() != 1 {
		t.Errorf("Discard of an existing session: %d flows left, want 1", s.Len())
	}
}
