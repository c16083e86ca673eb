package session

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpen opens arbitrary bytes as a session file. Open must not panic; a
// read-only Open must never change the file; a read-write Open that fails
// must not change it either. The seed corpus in testdata/fuzz/FuzzOpen
// holds small valid sessions (page size 512, rollback and WAL mode), a
// foreign SQLite database, a newer schema version and junk.
func FuzzOpen(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("SQLite format 3\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "fuzz.db")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if s, err := Open(path, Options{ReadOnly: true}); err == nil {
			exercise(t, s)
		}
		if !bytes.Equal(readFile(t, path), data) {
			t.Fatal("a read-only Open modified the file")
		}
		s, err := Open(path, Options{})
		if err != nil {
			if !bytes.Equal(readFile(t, path), data) {
				t.Fatalf("Open failed (%v) and modified the file", err)
			}
			return
		}
		s.Add(smallFlow(1))
		exercise(t, s)
	})
}

// exercise reads everything a store holds and closes it; errors are fine,
// panics and hangs are not.
func exercise(t *testing.T, s *Store) {
	t.Helper()
	for _, f := range s.List(nil, 0, -1) {
		s.Get(f.ID)
	}
	s.List(bodyMatcher("x"), 0, 10)
	s.Close()
}
