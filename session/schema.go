package session

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// ApplicationID is the SQLite application_id of a siphon session file
// ("SIPH" in ASCII). `sqlite3 FILE 'PRAGMA application_id'` prints it as
// 1397313608.
const ApplicationID = 0x53495048

// SchemaVersion is the schema version (SQLite user_version) this package
// writes. Files with an older version are migrated when opened read-write.
const SchemaVersion = 1

// ErrNotSession is wrapped by the error Open returns for a file that exists
// but is not a siphon session: not SQLite at all, another application's
// database, or a damaged header.
var ErrNotSession = errors.New("session: not a siphon session file")

// notSessionError says why a file is not a session; it matches ErrNotSession.
type notSessionError struct{ why string }

func (e *notSessionError) Error() string        { return "not a siphon session file (" + e.why + ")" }
func (e *notSessionError) Is(target error) bool { return target == ErrNotSession }

func notSession(format string, args ...any) error {
	return &notSessionError{why: fmt.Sprintf(format, args...)}
}

// migration is one step of the schema: it brings a file from version-1 to
// version, and lists the flows columns that exist from then on.
type migration struct {
	sql     string
	columns []string
}

// migrations returns the schema history; migrations()[i] produces version
// i+1. A new version appends a step and never edits an old one.
func migrations() []migration {
	return []migration{{
		sql: `CREATE TABLE flows (
	id           TEXT PRIMARY KEY, -- random hex, stable across export and import
	seq          INTEGER NOT NULL, -- 1-based order of arrival in the session
	state        TEXT NOT NULL,    -- pending, intercepted, done, error
	kind         TEXT NOT NULL,    -- http, tunnel, websocket
	source       TEXT NOT NULL,    -- live, replay, mock, imported
	method       TEXT NOT NULL,
	url          TEXT NOT NULL,
	host         TEXT NOT NULL,
	status       INTEGER,          -- NULL without a response
	content_type TEXT NOT NULL,
	client_addr  TEXT NOT NULL,
	started      INTEGER,          -- Unix ns; NULL when unknown
	duration_ns  INTEGER NOT NULL, -- 0 while pending
	size         INTEGER NOT NULL, -- response body wire size, or stream bytes
	error_phase  TEXT,             -- NULL unless the flow failed
	error_msg    TEXT,
	marked       INTEGER NOT NULL, -- 0 or 1
	comment      TEXT NOT NULL,
	meta         TEXT NOT NULL,    -- JSON of the flow without body bytes; siphon reads this
	req_body     BLOB,             -- request body as on the wire (maybe compressed, maybe truncated)
	resp_body    BLOB,
	orig_body    BLOB              -- body of the request as the client sent it, when edited
)`,
		columns: []string{"id", "seq", "state", "kind", "source", "method", "url", "host",
			"status", "content_type", "client_addr", "started", "duration_ns", "size",
			"error_phase", "error_msg", "marked", "comment", "meta", "req_body", "resp_body", "orig_body"},
	}}
}

// sqliteMagic starts every SQLite 3 database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// checkHeader reads the 100-byte database header of a non-empty file
// without SQLite, so a foreign or damaged file is rejected before anything
// could write to it. The application_id is stable in the main file: it is
// written when the session is created, before WAL mode is turned on.
func checkHeader(path string) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	var hdr [100]byte
	if _, err := io.ReadFull(fh, hdr[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return notSession("too short to be a SQLite database")
		}
		return err
	}
	if !bytes.Equal(hdr[:len(sqliteMagic)], sqliteMagic) {
		return notSession("not a SQLite database")
	}
	if id := binary.BigEndian.Uint32(hdr[68:72]); id != ApplicationID {
		return notSession("SQLite application_id %#08x, want %#08x", id, ApplicationID)
	}
	return nil
}

// checkSchema reads the schema version and checks the flows table of a
// file whose header passed checkHeader. It only reads.
func checkSchema(ctx context.Context, db *sql.DB, steps []migration) (version int, err error) {
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return 0, notSession("unreadable: %v", err)
	}
	switch {
	case version <= 0:
		return 0, notSession("schema version %d", version)
	case version > len(steps):
		return 0, fmt.Errorf("session file has schema version %d, newer than this siphon supports (%d)",
			version, len(steps))
	}
	rows, err := db.QueryContext(ctx, "SELECT name FROM pragma_table_info('flows')")
	if err != nil {
		return 0, notSession("unreadable: %v", err)
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return 0, notSession("unreadable: %v", err)
		}
		have[name] = true
	}
	if err := rows.Err(); err != nil {
		return 0, notSession("unreadable: %v", err)
	}
	var missing []string
	for _, m := range steps[:version] {
		for _, c := range m.columns {
			if !have[c] {
				missing = append(missing, c)
			}
		}
	}
	if len(have) == 0 {
		return 0, notSession("no flows table")
	}
	if len(missing) > 0 {
		return 0, notSession("flows table lacks %s", strings.Join(missing, ", "))
	}
	return version, nil
}

// migrate brings the schema from version from to len(steps), in one
// transaction. A new file (from 0) also gets siphon's application_id.
func migrate(ctx context.Context, db *sql.DB, from int, steps []migration) error {
	if from >= len(steps) {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if from == 0 {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", ApplicationID)); err != nil {
			return err
		}
	}
	for v := from; v < len(steps); v++ {
		if _, err := tx.ExecContext(ctx, steps[v].sql); err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(steps))); err != nil {
		return err
	}
	return tx.Commit()
}
