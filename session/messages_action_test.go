package session

import (
	"context"
	"path/filepath"
	"testing"
)

// TestMessageActionsInOldFile checks that a file whose messages table
// predates Action and Original is read (read-only: empty values) and,
// opened for writing, gains the columns and keeps both old and new rows.
func TestMessageActionsInOldFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{})
	f := wsFlow()
	s.Add(f)
	mustClose(t, s)
	// As a file written before messages had actions.
	execRaw(t, path, "DROP TABLE messages", `CREATE TABLE messages (flow_id TEXT NOT NULL, seq INTEGER NOT NULL,
		dir TEXT NOT NULL, time INTEGER NOT NULL, opcode INTEGER NOT NULL, size INTEGER NOT NULL,
		truncated INTEGER NOT NULL, note TEXT NOT NULL, payload BLOB)`,
		`INSERT INTO messages VALUES ('`+f.ID+`', 1, 'up', 0, 1, 3, 0, '', 'old')`,
		`INSERT INTO message_counts VALUES ('`+f.ID+`', 1, 1)`)

	ro := openStore(t, path, Options{ReadOnly: true})
	got, err := ro.Messages(f.ID, 0, 10)
	if err != nil || len(got) != 1 || string(got[0].Data) != "old" || got[0].Action != "" || got[0].Original != nil {
		t.Fatalf("read-only, old table: %+v, %v", got, err)
	}
	mustClose(t, ro)

	s = openStore(t, path, Options{})
	if err := s.AddMessage(f.ID, Message{Dir: Down, Opcode: OpText, Data: []byte("new"), Size: 3,
		Action: ActionEdited, Original: []byte("was")}); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	ro = openStore(t, path, Options{ReadOnly: true})
	got = allMessages(t, ro, f.ID)
	if len(got) != 2 || got[0].Action != "" || got[1].Action != ActionEdited || string(got[1].Original) != "was" {
		t.Fatalf("after a writer added the columns: %+v", got)
	}
}

// A file that has one of the two action columns (written half-way, by
// hand or by a siphon that failed between them) gains the other when
// opened for writing, instead of failing every open on "duplicate column".
func TestMessageActionsHalfAdded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{})
	f := wsFlow()
	s.Add(f)
	mustClose(t, s)
	execRaw(t, path, "DROP TABLE messages", `CREATE TABLE messages (flow_id TEXT NOT NULL, seq INTEGER NOT NULL,
		dir TEXT NOT NULL, time INTEGER NOT NULL, opcode INTEGER NOT NULL, size INTEGER NOT NULL,
		truncated INTEGER NOT NULL, note TEXT NOT NULL, payload BLOB, action TEXT NOT NULL DEFAULT '')`)
	s = openStore(t, path, Options{})
	if err := s.AddMessage(f.ID, Message{Dir: Up, Opcode: OpText, Data: []byte("new"), Size: 3,
		Action: ActionEdited, Original: []byte("was")}); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	ro := openStore(t, path, Options{ReadOnly: true})
	if got := allMessages(t, ro, f.ID); len(got) != 1 || got[0].Action != ActionEdited || string(got[0].Original) != "was" {
		t.Fatalf("after a writer added the missing column: %+v", got)
	}
}

// A read that fails while the columns are looked up (a cancelled
// context) does not make every later read of the Store fail.
func TestMessageColumnsLookupErrorNotKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{})
	f := wsFlow()
	s.Add(f)
	if err := s.AddMessage(f.ID, msg(1, Up)); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	ro := openStore(t, path, Options{ReadOnly: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ro.readMessages(ctx, f.ID, 1, 10); err == nil {
		t.Fatal("a read with a cancelled context succeeded")
	}
	if got, err := ro.Messages(f.ID, 0, 10); err != nil || len(got) != 1 {
		t.Fatalf("the next read: %v, %v", got, err)
	}
}
