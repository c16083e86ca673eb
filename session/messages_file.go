package session

import (
	"context"
	"database/sql"
	"fmt"
)

// The messages tables are created when a file is opened for writing, not
// by a schema migration: they only add to the schema, so files of every
// version open in older siphons (which leave unknown tables alone) and in
// read-only Stores, which find no messages when the tables are absent.
const messagesSQL = `CREATE TABLE IF NOT EXISTS messages (
	flow_id   TEXT NOT NULL,    -- flows.id
	seq       INTEGER NOT NULL, -- 1-based order within the flow
	dir       TEXT NOT NULL,    -- up (client to server), down
	time      INTEGER NOT NULL, -- Unix ns; 0 when unknown
	opcode    INTEGER NOT NULL, -- 1 text, 2 binary, 8 close
	size      INTEGER NOT NULL, -- full payload size
	truncated INTEGER NOT NULL, -- 0 or 1: payload cut at the capture limit
	note      TEXT NOT NULL,    -- what was wrong with the message, or ''
	payload   BLOB,             -- decompressed, at most the capture limit
	action    TEXT NOT NULL DEFAULT '', -- edited, dropped, injected, rewritten by rule "x", or ''
	original  BLOB              -- the payload before an edit or rewrite; NULL when unchanged
);
CREATE UNIQUE INDEX IF NOT EXISTS messages_flow_seq ON messages (flow_id, seq);
CREATE TABLE IF NOT EXISTS message_counts (
	flow_id TEXT PRIMARY KEY,
	stored  INTEGER NOT NULL, -- rows in messages
	seen    INTEGER NOT NULL  -- messages relayed; more than stored past the cap
)`

// prepareMessages creates the messages tables in a writable file, and
// gives a file written before messages had actions their columns (older
// siphons read it as before: they name the columns they select). One
// transaction, so that a failure leaves the file as it was rather than
// with one column of two.
func prepareMessages(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create messages tables: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, messagesSQL); err != nil {
		return fmt.Errorf("create messages tables: %w", err)
	}
	have, err := actionColumnsIn(ctx, tx)
	if err != nil {
		return err
	}
	for _, c := range []struct{ name, def string }{{"action", "TEXT NOT NULL DEFAULT ''"}, {"original", "BLOB"}} {
		if have[c.name] {
			continue
		}
		if _, err := tx.ExecContext(ctx, "ALTER TABLE messages ADD COLUMN "+c.name+" "+c.def); err != nil {
			return fmt.Errorf("add the %s column to messages: %w", c.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create messages tables: %w", err)
	}
	return nil
}

// actionColumnsIn returns which of the action and original columns the
// messages table has.
func actionColumnsIn(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, "SELECT name FROM pragma_table_info('messages') WHERE name IN ('action', 'original')")
	if err != nil {
		return nil, fmt.Errorf("read the messages table's columns: %w", err)
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("read the messages table's columns: %w", err)
		}
		have[name] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the messages table's columns: %w", err)
	}
	return have, nil
}

// actionColumns returns what readMessages selects for Action and Original:
// the columns, or empty values in a file written before they existed
// (opened read-only, so never given them). Found once per Store; an error
// (a cancelled ctx, a busy file) is not kept, so the next read asks again.
func (s *Store) actionColumns(ctx context.Context) (string, error) {
	if cols := s.msgCols.Load(); cols != nil {
		return *cols, nil
	}
	have, err := actionColumnsIn(ctx, s.db)
	if err != nil {
		return "", err
	}
	cols := "'', NULL"
	if have["action"] && have["original"] {
		cols = "action, original"
	}
	s.msgCols.Store(&cols)
	return cols, nil
}

// loadMessageStats reads every flow's message counts; table is false for
// a file without the messages tables (written before they existed, opened
// read-only).
func loadMessageStats(ctx context.Context, db *sql.DB) (stats map[string]*MessageStats, table bool, err error) {
	var n int
	if err := db.QueryRowContext(ctx,
		"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('messages', 'message_counts')").Scan(&n); err != nil {
		return nil, false, fmt.Errorf("read message counts: %w", err)
	}
	if n < 2 {
		return nil, false, nil
	}
	rows, err := db.QueryContext(ctx, "SELECT flow_id, stored, seen FROM message_counts")
	if err != nil {
		return nil, false, fmt.Errorf("read message counts: %w", err)
	}
	defer rows.Close()
	stats = map[string]*MessageStats{}
	for rows.Next() {
		var id string
		st := &MessageStats{}
		if err := rows.Scan(&id, &st.Stored, &st.Seen); err != nil {
			return nil, false, fmt.Errorf("read message counts: %w", err)
		}
		stats[id] = st
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("read message counts: %w", err)
	}
	return stats, true, nil
}

// readMessages reads the stored messages first to last of a flow.
func (s *Store) readMessages(ctx context.Context, flowID string, first, last int64) ([]Message, error) {
	cols, err := s.actionColumns(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT seq, dir, time, opcode, size, truncated, note, payload, `+cols+`
		FROM messages WHERE flow_id = ? AND seq BETWEEN ? AND ? ORDER BY seq`, flowID, first, last)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var dir string
		if err := rows.Scan(&m.Seq, &dir, &m.Time, &m.Opcode, &m.Size, &m.Truncated, &m.Note, &m.Data, &m.Action, &m.Original); err != nil {
			return nil, err
		}
		if dir == "down" {
			m.Dir = Down
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// messageBatch is what one commit writes of the messages.
type messageBatch struct {
	msgs  []pendingMessage
	stats map[string]MessageStats
}

func (b messageBatch) empty() bool { return len(b.msgs) == 0 && len(b.stats) == 0 }

// takeMessagesLocked hands the pending messages and changed counts to a
// commit; they stay readable as in flight until it ends. s.mu is held.
func (s *Store) takeMessagesLocked() messageBatch {
	b := messageBatch{msgs: s.msgPending}
	if len(s.msgDirty) > 0 {
		b.stats = make(map[string]MessageStats, len(s.msgDirty))
		for id := range s.msgDirty {
			if st := s.msgStats[id]; st != nil {
				b.stats[id] = *st
			}
		}
		s.msgDirty = map[string]bool{}
	}
	s.msgInflight, s.msgPending = b.msgs, nil
	return b
}

// endMessagesLocked ends a commit of b: on failure its messages go back
// in front of those added since, and its counts are written again next
// time, unless their flows were deleted meanwhile. s.mu is held.
func (s *Store) endMessagesLocked(b messageBatch, failed bool) {
	s.msgInflight = nil
	if !failed {
		s.msgBytes = payloadBytes(s.msgPending)
		return
	}
	var back []pendingMessage
	for _, p := range b.msgs {
		if s.msgStats[p.flowID] != nil {
			back = append(back, p)
		}
	}
	s.msgPending = append(back, s.msgPending...)
	s.msgBytes = payloadBytes(s.msgPending)
	for id := range b.stats {
		if s.msgStats[id] != nil {
			s.msgDirty[id] = true
		}
	}
}

// writeMessages writes b in tx.
func (s *Store) writeMessages(ctx context.Context, tx *sql.Tx, b messageBatch) error {
	if len(b.msgs) > 0 {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO messages
			(flow_id, seq, dir, time, opcode, size, truncated, note, payload, action, original)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, p := range b.msgs {
			m := p.m
			if _, err := stmt.ExecContext(ctx, p.flowID, m.Seq, m.Dir.String(), int64(m.Time), int(m.Opcode),
				m.Size, m.Truncated, m.Note, m.Data, m.Action, m.Original); err != nil {
				return fmt.Errorf("flow %s: message %d: %w", p.flowID, m.Seq, err)
			}
		}
	}
	for id, st := range b.stats {
		if _, err := tx.ExecContext(ctx, `INSERT INTO message_counts (flow_id, stored, seen) VALUES (?1, ?2, ?3)
			ON CONFLICT (flow_id) DO UPDATE SET stored = ?2, seen = ?3`, id, st.Stored, st.Seen); err != nil {
			return fmt.Errorf("flow %s: message counts: %w", id, err)
		}
	}
	return nil
}

// deleteMessages deletes the messages of a flow (all when id is "") in tx.
func deleteMessages(ctx context.Context, tx *sql.Tx, id string) error {
	if id == "" {
		_, err := tx.ExecContext(ctx, "DELETE FROM messages; DELETE FROM message_counts")
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM messages WHERE flow_id = ?", id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "DELETE FROM message_counts WHERE flow_id = ?", id)
	return err
}
