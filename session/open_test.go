package session

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rawDB opens a SQLite file directly, as a user's sqlite3 would.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func execRaw(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db := rawDB(t, path)
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenCreatesPrivateSessionFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "sessions")
	path := filepath.Join(dir, "s.db")
	s := openStore(t, path, Options{})
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
	for p, want := range map[string]fs.FileMode{path: 0o600, dir: 0o700, filepath.Dir(dir): 0o700} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s has mode %v, want %v", p, got, want)
		}
	}
	db := rawDB(t, path)
	for pragma, want := range map[string]string{
		"application_id": fmt.Sprint(ApplicationID),
		"user_version":   fmt.Sprint(SchemaVersion),
		"journal_mode":   "wal",
		"page_size":      "16384", // see dsn
	} {
		var got string
		if err := db.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
}

func TestOpenEmptyFileStartsSession(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, path, Options{})
	s.Add(smallFlow(1))
	mustClose(t, s)
	if s := openStore(t, path, Options{}); s.Len() != 1 {
		t.Errorf("Len after reopen = %d, want 1", s.Len())
	}
}

func TestOpenRejectsNonSQLiteFiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 64<<10)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	magicThenJunk := append([]byte("SQLite format 3\x00"), random[:4000]...)
	for name, data := range map[string][]byte{
		"random":          random,
		"short":           []byte("hello"),
		"magic then junk": magicThenJunk,
		"header only":     magicThenJunk[:100],
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.db")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			assertRejected(t, path, Options{})
			assertRejected(t, path, Options{ReadOnly: true})
		})
	}
}

func TestOpenRejectsForeignSQLite(t *testing.T) {
	appID := fmt.Sprintf("PRAGMA application_id = %d", ApplicationID)
	for name, stmts := range map[string][]string{
		"other application": {"CREATE TABLE users (name TEXT)", "INSERT INTO users VALUES ('ann')"},
		"other app in WAL":  {"PRAGMA journal_mode = WAL", "CREATE TABLE flows (id TEXT)"},
		"our id, no flows":  {appID, "PRAGMA user_version = 1", "CREATE TABLE other (x)"},
		"our id, version 0": {appID, "CREATE TABLE flows (id TEXT)"},
		"our id, bad flows": {appID, "PRAGMA user_version = 1", "CREATE TABLE flows (id TEXT, seq INTEGER)"},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "foreign.db")
			execRaw(t, path, stmts...)
			err := assertRejected(t, path, Options{})
			t.Log(err)
			assertRejected(t, path, Options{ReadOnly: true})
		})
	}
}

func TestOpenRejectsNewerVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	mustClose(t, openStore(t, path, Options{}))
	execRaw(t, path, "PRAGMA user_version = 99")
	before := readFile(t, path)
	_, err := Open(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "newer") || !strings.Contains(err.Error(), path) {
		t.Errorf("Open(version 99) = %v, want an error naming the file and the version", err)
	}
	if string(readFile(t, path)) != string(before) {
		t.Errorf("Open modified a file of a newer version")
	}
}

func TestReadOnlyNeverWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{})
	f := fullFlow(1)
	s.Add(f)
	s.Add(smallFlow(2))
	mustClose(t, s)
	before := readFile(t, path)

	s = openStore(t, path, Options{ReadOnly: true})
	g, err := s.Get(f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(g.Response.Body.Data) != string(f.Response.Body.Data) {
		t.Errorf("read-only Get body = %q", g.Response.Body.Data)
	}
	// Changes stay in memory.
	s.Add(smallFlow(3))
	g.Comment = "read-only note"
	if err := s.Update(g); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(f.ID); err != nil {
		t.Fatal(err)
	}
	if s.Len() != 2 {
		t.Errorf("read-only Len = %d, want 2", s.Len())
	}
	mustFlush(t, s)
	mustClose(t, s)
	if string(readFile(t, path)) != string(before) {
		t.Errorf("a read-only store modified its file")
	}
	// SQLite may leave the -shm index and an empty -wal beside the file.
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() != 0 {
		t.Errorf("a read-only store wrote %d bytes to the WAL", fi.Size())
	}

	missing := filepath.Join(t.TempDir(), "missing.db")
	if _, err := Open(missing, Options{ReadOnly: true}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("read-only Open of a missing file = %v, want ErrNotExist", err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("read-only Open created %s", missing)
	}
}

func TestOpenUnwritableLocation(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(notDir, "sessions", "s.db")
	_, err := Open(path, Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "open session "+path+": ") ||
		!strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Open under a regular file = %v, want a clear error naming the file", err)
	}
}

func TestOpenMigratesOlderVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{})
	f := fullFlow(1)
	s.Add(f)
	mustClose(t, s)

	next := append(migrations(), migration{
		sql:     "ALTER TABLE flows ADD COLUMN note TEXT NOT NULL DEFAULT ''",
		columns: []string{"note"},
	})
	if _, err := open(path, Options{ReadOnly: true}.withDefaults(), next); err == nil ||
		!strings.Contains(err.Error(), "needs migrating") {
		t.Errorf("read-only open of an older version = %v, want a migration error", err)
	}
	s, err := open(path, Options{}.withDefaults(), next)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if g, err := s.Get(f.ID); err != nil || g.Comment != f.Comment {
		t.Errorf("after migration Get = %+v, %v", g, err)
	}
	mustClose(t, s)

	db := rawDB(t, path)
	version, err := checkSchema(context.Background(), db, next)
	if err != nil || version != len(next) {
		t.Errorf("schema after migration: version %d, %v; want %d", version, err, len(next))
	}
	if _, err := checkSchema(context.Background(), db, migrations()); err == nil {
		t.Errorf("this siphon accepted a file from a newer one")
	}
}

func TestFileIsQueryable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{})
	s.Add(fullFlow(1))
	mustClose(t, s)

	var state, kind, source, method, host, ctype, phase, ct string
	var status, started, duration, size, bodyLen int64
	var marked bool
	err := rawDB(t, path).QueryRow(`SELECT state, kind, source, method, host, content_type,
		error_phase, json_extract(meta, '$.request.header.Content-Type[0]'), status, started,
		duration_ns, size, length(resp_body), marked FROM flows`).Scan(&state, &kind, &source,
		&method, &host, &ctype, &phase, &ct, &status, &started, &duration, &size, &bodyLen, &marked)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(state, kind, source, method, host, ctype, phase, ct, status, started, duration, size, bodyLen, marked)
	want := fmt.Sprint("done", "websocket", "replay", "POST", "example.com", "text/plain", "upstream",
		"application/json", 201, at(1_700_000_001, 4).UnixNano(), 9_000_000, 30, 13, true)
	if got != want {
		t.Errorf("columns:\n got %s\nwant %s", got, want)
	}
}
