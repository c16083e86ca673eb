package session

import (
	"context"
	"database/sql"
	"fmt"
)

// Settings of the writer's own connection; both are per connection, so
// readers keep SQLite's defaults.
const (
	// writerCacheKiB is the writer's page cache. A commit of the default
	// 1000 small flows dirties about 2.5 MB, more than the default cache
	// of 2 MB: SQLite then spilled pages to the WAL in the middle of the
	// transaction, each one first copied into the statement journal. The
	// cache fills up to this size over a long session and stays there.
	writerCacheKiB = 8 << 10
	// The statement journal that a multi-row upsert needs (it may fail
	// halfway) lives in memory instead of a temporary file: it holds the
	// original of each page one statement changes, a few pages.
	writerTempStore = "MEMORY"
)

// writerConn is the connection the writer commits on, kept for the
// writer's life so that its settings hold; nil until the first commit, or
// after a transaction could not begin on it (the next commit takes
// another). It belongs to the writer goroutine.
type writerConn struct {
	conn     *sql.Conn
	fallback bool // configuring one failed: use the pool's connections
}

// begin starts a write transaction on the writer's connection, pinning
// and configuring one first if needed. If that fails, the transaction
// runs on any connection of the pool with the defaults: only slower.
func (s *Store) begin(ctx context.Context) (*sql.Tx, error) {
	w := &s.writerConn
	if w.conn == nil && !w.fallback {
		conn, err := s.db.Conn(ctx)
		if err == nil {
			if err = configureWriter(ctx, conn); err != nil {
				conn.Close()
			}
		}
		if err != nil {
			w.fallback = true
			s.report(fmt.Errorf("save session %s: writer connection: %w (writing with the defaults)", s.path, err))
		} else {
			w.conn = conn
		}
	}
	if w.conn != nil {
		tx, err := w.conn.BeginTx(ctx, nil)
		if err == nil {
			return tx, nil
		}
		// Perhaps the connection went bad: the pool gives this commit
		// another (and its error, if the file is what failed), the next
		// commit pins a new one.
		w.close()
	}
	return s.db.BeginTx(ctx, nil)
}

func configureWriter(ctx context.Context, conn *sql.Conn) error {
	for _, q := range []string{
		fmt.Sprintf("PRAGMA cache_size = -%d", writerCacheKiB),
		"PRAGMA temp_store = " + writerTempStore,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// close hands the connection back to the pool; the writer calls it as it
// exits, before Close closes the pool.
func (w *writerConn) close() {
	if w.conn != nil {
		w.conn.Close()
		w.conn = nil
	}
}
