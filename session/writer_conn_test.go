package session

import (
	"context"
	"path/filepath"
	"testing"
)

// TestWriterConnectionSettings checks that commits run on a connection
// with the writer's cache and in-memory statement journals, and that the
// store still closes cleanly with it pinned.
func TestWriterConnectionSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{FlushInterval: never})
	s.Add(smallFlow(1))
	mustFlush(t, s) // the writer has pinned its connection and is idle

	conn := s.writerConn.conn
	if conn == nil {
		t.Fatal("the writer committed without pinning a connection")
	}
	ctx := context.Background()
	var cache, temp int
	if err := conn.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&cache); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRowContext(ctx, "PRAGMA temp_store").Scan(&temp); err != nil {
		t.Fatal(err)
	}
	if cache != -writerCacheKiB || temp != 2 {
		t.Errorf("writer connection: cache_size %d, temp_store %d; want %d, 2 (memory)", cache, temp, -writerCacheKiB)
	}
	s.Add(smallFlow(2))
	mustClose(t, s)
	if s := openStore(t, path, Options{ReadOnly: true}); s.Len() != 2 {
		t.Errorf("after Close: %d flows, want 2", s.Len())
	}
}
