package session

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
)

// maxRowsPerUpsert is the most flows one INSERT statement writes. Each
// statement has a fixed cost (database/sql's bookkeeping, the driver's
// reset and clearing of bindings, the VDBE's setup) that small flows paid
// once each; at 64 rows it is spread thin (16 cost more CPU, 256 no
// less), while the statement (22 parameters a row, 1,408 in all) stays
// far below SQLite's limit on bound variables (32,766).
const maxRowsPerUpsert = 64

// flowColumns are the columns an upsert writes, in the order of
// appendRowValues.
var flowColumns = []string{"id", "seq", "state", "kind", "source", "method", "url", "host",
	"status", "content_type", "client_addr", "started", "duration_ns", "size", "error_phase",
	"error_msg", "marked", "comment", "meta", "req_body", "resp_body", "orig_body"}

// metaColumn is meta's index in flowColumns: its value is bound as bytes
// and cast to TEXT by SQLite, which spares a copy of every flow's JSON
// into a Go string (the column stays TEXT, as sqlite3 and its JSON
// functions expect).
const metaColumn = 18

// upsertManySQL is an INSERT of n flows that replaces rows already
// stored under the same ID. It names every body column, so it is only for
// flows whose bodies are all in memory; the others keep stored bytes
// through upsertSQL's flags. Parameters are anonymous: the driver binds
// them without looking up a name per parameter.
func upsertManySQL(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO flows (")
	b.WriteString(strings.Join(flowColumns, ", "))
	b.WriteString(") VALUES ")
	one := "(" + strings.Repeat("?, ", metaColumn) + "CAST(? AS TEXT)" +
		strings.Repeat(", ?", len(flowColumns)-metaColumn-1) + ")"
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
	}
	b.WriteString(" ON CONFLICT (id) DO UPDATE SET ")
	for i, c := range flowColumns[1:] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c + " = excluded." + c)
	}
	return b.String()
}

// writeRows upserts rows in their order: many to a statement while their
// bodies are in memory, one at a time with upsertSQL for a flow whose
// bodies are partly in the file.
func (s *Store) writeRows(ctx context.Context, tx *sql.Tx, rows []row) error {
	u := &s.upserts
	d := dest{db: s.db, tx: tx, conn: &s.writerConn}
	defer u.reset() // also when a row fails: nothing queued is kept
	var single *sql.Stmt
	var buf []byte
	for _, r := range rows {
		if r.meta.HeadersUnloaded {
			// A light flow handed back (marked, say): its headers are
			// only in the file, and the row is rewritten whole.
			full, err := storedMeta(ctx, tx, r.meta.ID)
			if err != nil {
				// Only this flow's change is lost (its row stays as it
				// was); failing the batch would retry it, and every
				// other flow with it, forever.
				s.report(fmt.Errorf("save session %s: flow %s kept as stored, this change is not saved: %w", s.path, r.meta.ID, err))
				continue
			}
			r.meta = lendHeaders(r.meta, full) // only read, to marshal
		}
		if allInMem(r) {
			if err := u.add(ctx, d, r); err != nil {
				return err
			}
			continue
		}
		// Rows before this one first, so that rowids follow Seq.
		if err := u.flush(ctx, d); err != nil {
			return err
		}
		if single == nil {
			var err error
			if single, err = tx.PrepareContext(ctx, upsertSQL); err != nil {
				return err
			}
			defer single.Close()
		}
		if _, err := single.ExecContext(ctx, rowArgs(r, &buf)...); err != nil {
			return fmt.Errorf("flow %s: %w", r.meta.ID, err)
		}
	}
	return u.flush(ctx, d)
}

// upserter writes a commit's flows, many to a statement. It belongs to the
// writer goroutine: its statements are prepared on the first use of each
// size and kept for the Store's life, its buffers reused between commits.
type upserter struct {
	stmts map[int]*sql.Stmt // by number of rows; sizes are powers of two
	meta  []byte            // the JSON of the rows queued, end to end
	ends  []int             // where each queued row's JSON ends in meta
	rows  []row             // queued, in Seq order
	args  []any
	named []driver.NamedValue
}

// dest is where a commit writes: its transaction, and the writer's own
// connection, through which the upserts run (nil: through tx).
type dest struct {
	db   *sql.DB
	tx   *sql.Tx
	conn *writerConn
}

// add queues r, whose bodies are all in memory, and writes the queue once
// it holds maxRowsPerUpsert rows.
func (u *upserter) add(ctx context.Context, d dest, r row) error {
	u.meta = appendMeta(u.meta, r.meta)
	u.ends = append(u.ends, len(u.meta))
	u.rows = append(u.rows, r)
	if len(u.rows) < maxRowsPerUpsert {
		return nil
	}
	return u.flush(ctx, d)
}

// flush writes the queued rows in Seq order, in as few statements as the
// binary digits of their number, and empties the queue, also on failure.
func (u *upserter) flush(ctx context.Context, d dest) error {
	defer u.reset()
	start := 0
	for size := maxRowsPerUpsert; size > 0; size /= 2 {
		for len(u.rows)-start >= size {
			if err := u.exec(ctx, d, start, size); err != nil {
				return err
			}
			start += size
		}
	}
	return nil
}

func (u *upserter) reset() {
	u.meta, u.ends, u.args, u.named = u.meta[:0], u.ends[:0], u.args[:0], u.named[:0]
	clear(u.rows) // let go of the snapshots
	u.rows = u.rows[:0]
}

// exec writes the n queued rows from start in one statement.
func (u *upserter) exec(ctx context.Context, d dest, start, n int) error {
	u.args = u.args[:0]
	for i := start; i < start+n; i++ {
		from := 0
		if i > 0 {
			from = u.ends[i-1]
		}
		u.args = appendRowValues(u.args, u.rows[i], u.meta[from:u.ends[i]:u.ends[i]])
	}
	var err error
	if d.conn != nil && d.conn.conn != nil {
		// The values are driver values already: database/sql's check
		// and copy of each one (7 % of the writer's time) is skipped.
		u.named = u.named[:0]
		for i, v := range u.args {
			u.named = append(u.named, driver.NamedValue{Ordinal: i + 1, Value: v})
		}
		err = d.conn.upsert(ctx, n, u.named)
		clear(u.named)
	} else {
		var stmt *sql.Stmt
		if stmt, err = u.stmt(ctx, d.db, n); err == nil {
			_, err = d.tx.StmtContext(ctx, stmt).ExecContext(ctx, u.args...)
		}
	}
	clear(u.args) // the values point into rows and meta
	if err != nil {
		first, last := u.rows[start].meta.ID, u.rows[start+n-1].meta.ID
		if n == 1 {
			return fmt.Errorf("flow %s: %w", first, err)
		}
		return fmt.Errorf("%d flows %s to %s: %w", n, first, last, err)
	}
	return nil
}

// stmt returns the statement for n rows, preparing it on first use.
func (u *upserter) stmt(ctx context.Context, db *sql.DB, n int) (*sql.Stmt, error) {
	if st := u.stmts[n]; st != nil {
		return st, nil
	}
	st, err := db.PrepareContext(ctx, upsertManySQL(n))
	if err != nil {
		return nil, fmt.Errorf("prepare upsert of %d flows: %w", n, err)
	}
	if u.stmts == nil {
		u.stmts = make(map[int]*sql.Stmt)
	}
	u.stmts[n] = st
	return st, nil
}

// close closes the prepared statements; the writer calls it as it exits.
func (u *upserter) close() {
	for _, st := range u.stmts {
		st.Close()
	}
	u.stmts = nil
}

// appendRowValues appends r's values in flowColumns order; meta is its
// JSON. Every body must be in memory (allInMem).
func appendRowValues(args []any, r row, meta []byte) []any {
	f := r.meta
	var method, url string
	if f.Request != nil {
		method, url = f.Request.Method, f.Request.URL
	}
	var status, started, errPhase, errMsg any
	if f.Response != nil {
		status = int64(f.Response.Status)
	}
	if t := f.Start(); !t.IsZero() {
		started = t.UnixNano()
	}
	if f.Err != nil {
		errPhase, errMsg = f.Err.Phase, f.Err.Msg
	}
	args = append(args, f.ID, f.Seq, enumValue(stateValues[:], int(f.State), f.State.String()),
		enumValue(kindValues[:], int(f.Kind), f.Kind.String()),
		enumValue(sourceValues[:], int(f.Source), f.Source.String()),
		method, url, f.Host(), status, f.ContentType(), f.Client.Addr, started,
		int64(f.Duration()), f.Size(), errPhase, errMsg, f.Marked, f.Comment, meta)
	for i := range numParts {
		if p := r.parts.get(i); len(p.data) > 0 {
			args = append(args, p.data)
		} else {
			args = append(args, nil)
		}
	}
	return args
}

// allInMem says whether every body of r is in memory, so that writing the
// row whole loses no stored bytes.
func allInMem(r row) bool {
	for i := range numParts {
		if !r.parts.get(i).inMem {
			return false
		}
	}
	return true
}

// The names of states, kinds and sources as driver values, made once:
// converting a string to an interface allocates, three times a row.
// They are never modified.
var (
	stateValues  = namesAsValues(stateNames[:])
	kindValues   = namesAsValues(kindNames[:])
	sourceValues = namesAsValues(sourceNames[:])
)

func namesAsValues(names []string) []any {
	vs := make([]any, len(names))
	for i, n := range names {
		vs[i] = n
	}
	return vs
}

// enumValue is values[i], or name for a value out of the table's range.
func enumValue(values []any, i int, name string) any {
	if i < len(values) {
		return values[i]
	}
	return name
}
