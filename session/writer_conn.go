package session

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
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
	stmts    map[int]driver.Stmt // upserts prepared on conn, by rows
	fallback bool                // configuring one failed: use the pool's connections
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

// upsert runs the upsert of n rows on the connection, inside the
// transaction begin started there, with args bound as they are.
func (w *writerConn) upsert(ctx context.Context, n int, args []driver.NamedValue) error {
	return w.conn.Raw(func(dc any) error {
		err := w.upsertOn(ctx, dc, n, args)
		if errors.Is(err, driver.ErrBadConn) {
			// Raw would close the connection under the open
			// transaction, and wait on it forever; SQLite's driver
			// never says so here, but keep it that way.
			err = fmt.Errorf("%v", err)
		}
		return err
	})
}

func (w *writerConn) upsertOn(ctx context.Context, dc any, n int, args []driver.NamedValue) error {
	st := w.stmts[n]
	if st == nil {
		prep, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return fmt.Errorf("SQLite driver %T cannot prepare statements", dc)
		}
		var err error
		if st, err = prep.PrepareContext(ctx, upsertManySQL(n)); err != nil {
			return fmt.Errorf("prepare upsert of %d flows: %w", n, err)
		}
		if _, ok := st.(driver.StmtExecContext); !ok {
			st.Close()
			return fmt.Errorf("SQLite driver statement %T cannot execute with a context", st)
		}
		if w.stmts == nil {
			w.stmts = make(map[int]driver.Stmt)
		}
		w.stmts[n] = st
	}
	_, err := st.(driver.StmtExecContext).ExecContext(ctx, args)
	return err
}

// close closes the statements prepared on the connection and hands it
// back to the pool; the writer calls it as it exits, before Close closes
// the pool.
func (w *writerConn) close() {
	if w.conn == nil {
		return
	}
	w.conn.Raw(func(any) error {
		for _, st := range w.stmts {
			st.Close()
		}
		return nil
	})
	w.stmts = nil
	w.conn.Close()
	w.conn = nil
}
