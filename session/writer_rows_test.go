package session

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestUpsertSQLFitsSQLite checks the statement the writer prepares for its
// largest batch against SQLite's limit on bound variables.
func TestUpsertSQLFitsSQLite(t *testing.T) {
	q := upsertManySQL(maxRowsPerUpsert)
	if n := strings.Count(q, "?"); n != maxRowsPerUpsert*len(flowColumns) || n > 32766 {
		t.Errorf("upsert of %d rows binds %d variables, want %d (at most 32766)", maxRowsPerUpsert, n, maxRowsPerUpsert*len(flowColumns))
	}
	if flowColumns[metaColumn] != "meta" {
		t.Errorf("flowColumns[metaColumn] = %q, want meta", flowColumns[metaColumn])
	}
}

// TestBatchedWritesReadBackEqual writes batches of several sizes, around
// the statement sizes, with updates before and after the first commit:
// updates of flows still in memory, of committed flows with new bodies (a
// whole row) and of listed flows whose bodies and headers are only in the
// file (one row at a time, between the batched ones). Every flow reads
// back as last written, rows follow Seq, and meta stays TEXT. Both ways
// of writing are checked: on the writer's own connection (the driver's
// statements) and, as when that connection cannot be set up, through the
// pool (database/sql's).
func TestBatchedWritesReadBackEqual(t *testing.T) {
	for _, pool := range []bool{false, true} {
		for _, n := range []int{1, 7, 64, 65, 1000} {
			t.Run(fmt.Sprintf("pool=%v/%d", pool, n), func(t *testing.T) { testBatchedWrites(t, n, pool) })
		}
	}
}

func testBatchedWrites(t *testing.T, n int, pool bool) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{FlushInterval: never, BatchSize: 1 << 20})
	// The writer has not begun a commit yet: nothing was kicked.
	s.writerConn.fallback = pool
	want := map[string]*Flow{}
	var ids []string
	add := func(i int) {
		f := smallFlow(i)
		if i%2 == 0 {
			f = fullFlow(i)
		}
		s.Add(f)
		want[f.ID] = f.Clone()
		ids = append(ids, f.ID)
	}
	update := func(f *Flow) {
		t.Helper()
		if err := s.Update(f); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		add(i)
		if i%3 == 0 { // updated before it is ever written
			f := want[ids[i]].Clone()
			f.Comment = fmt.Sprintf("pending update %d", i)
			f.Response.Body = Body{Data: []byte(fmt.Sprint("body ", i)), Size: 7}
			update(f)
			want[f.ID] = f
		}
	}
	mustFlush(t, s)

	listed := s.List(nil, 0, -1)
	for i := range n {
		id := ids[i]
		switch {
		case i%5 == 0: // bodies and headers only in the file
			f := listed[i]
			f.Comment, f.Marked = fmt.Sprintf("listed update %d", i), true
			update(f)
			w := want[id].Clone()
			w.Comment, w.Marked = f.Comment, true
			want[id] = w
		case i%4 == 0: // a whole row again
			f, err := s.Get(id)
			if err != nil {
				t.Fatal(err)
			}
			f.Request.Body = Body{Data: []byte(fmt.Sprint("request ", i)), Size: 10}
			update(f)
			want[id] = f.Clone()
		}
		if i%2 == 1 {
			add(n + i) // new rows among the updates
		}
	}
	mustFlush(t, s)
	if pinned := s.writerConn.conn != nil; pinned == pool {
		t.Errorf("wrote on the writer's own connection: %v, want %v", pinned, !pool)
	}
	mustClose(t, s)
	s = openStore(t, path, Options{ReadOnly: true})
	if s.Len() != len(want) {
		t.Fatalf("reopened %d flows, want %d", s.Len(), len(want))
	}
	for i, id := range ids {
		got, err := s.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want[id]) {
			t.Fatalf("flow %d (Seq %d) after reopen:\n got %+v\nwant %+v", i, got.Seq, got, want[id])
		}
	}
	assertRowsInSeqOrder(t, path, len(want))
}

// assertRowsInSeqOrder checks that the file's rows, in rowid order, have
// Seq 1 to n and TEXT metadata.
func assertRowsInSeqOrder(t *testing.T, path string, n int) {
	t.Helper()
	rows, err := rawDB(t, path).Query("SELECT seq, typeof(meta) FROM flows ORDER BY rowid")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var seq int64
	for rows.Next() {
		var got int64
		var typ string
		if err := rows.Scan(&got, &typ); err != nil {
			t.Fatal(err)
		}
		seq++
		if got != seq || typ != "text" {
			t.Fatalf("row %d: Seq %d, meta of type %s; want Seq %d, text", seq, got, typ, seq)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seq != int64(n) {
		t.Errorf("file has %d rows, want %d", seq, n)
	}
}

// TestBatchFailingMidwayKeepsEverything makes one flow in the middle of a
// commit fail to insert: the commit reports it (naming the file and the
// flows of the failing statement), writes nothing, and once the cause is
// gone every flow is stored.
func TestBatchFailingMidwayKeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	errs := make(chan error, 100)
	s := openStore(t, path, Options{FlushInterval: never, BatchSize: 1 << 20, OnError: func(err error) { errs <- err }})
	const n = 150
	var ids []string
	for i := range n {
		f := smallFlow(i)
		s.Add(f)
		ids = append(ids, f.ID)
	}
	execRaw(t, path, `CREATE TRIGGER fail BEFORE INSERT ON flows WHEN NEW.url = 'http://host0.test/path/100'
		BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END`)
	err := s.Flush()
	if err == nil || !strings.Contains(err.Error(), "disk full (test)") || !strings.Contains(err.Error(), path) {
		t.Fatalf("Flush with a failing row = %v, want the write error naming the file", err)
	}
	// Rows 65 to 128 go in the second statement of 64.
	if !strings.Contains(err.Error(), "64 flows "+ids[64]+" to "+ids[127]) {
		t.Errorf("Flush error %q does not name the failing statement's flows", err)
	}
	if got := <-errs; !strings.Contains(got.Error(), "disk full (test)") {
		t.Errorf("OnError got %v", got)
	}
	var rows int
	if err := rawDB(t, path).QueryRow("SELECT count(*) FROM flows").Scan(&rows); err != nil || rows != 0 {
		t.Errorf("after the failed commit the file has %d rows (%v), want 0", rows, err)
	}
	execRaw(t, path, "DROP TRIGGER fail")
	mustClose(t, s)

	s = openStore(t, path, Options{ReadOnly: true})
	for i, id := range ids {
		f, err := s.Get(id)
		if err != nil || f.Seq != int64(i+1) || string(f.Response.Body.Data) != "hello world\n" {
			t.Fatalf("flow %d after recovery = %+v, %v", i, f, err)
		}
	}
	assertRowsInSeqOrder(t, path, n)
}

// TestUnreadableStoredHeadersAmongBatchedRows hands back a listed flow
// whose stored metadata cannot be read, among other changes in the same
// commit: that change alone is reported and dropped, the row keeps what
// was stored, and every other flow around it is written.
func TestUnreadableStoredHeadersAmongBatchedRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	errs := make(chan error, 100)
	s := openStore(t, path, Options{FlushInterval: never, BatchSize: 1 << 20, OnError: func(err error) { errs <- err }})
	var ids []string
	for i := range 10 {
		f := smallFlow(i)
		s.Add(f)
		ids = append(ids, f.ID)
	}
	mustFlush(t, s)
	execRaw(t, path, fmt.Sprintf("UPDATE flows SET meta = 'not json' WHERE id = '%s'", ids[4]))

	for _, i := range []int{3, 4, 5} {
		c := snapshotOf(s, ids[i]).Clone() // light: its headers are only in the file
		c.Comment = "changed"
		if err := s.Update(c); err != nil {
			t.Fatal(err)
		}
	}
	later := smallFlow(10)
	s.Add(later)
	if err := s.Flush(); err != nil {
		t.Fatalf("Flush = %v, want the other changes committed", err)
	}
	if got := <-errs; !strings.Contains(got.Error(), ids[4]) || !strings.Contains(got.Error(), "not saved") {
		t.Errorf("OnError got %v, want flow %s's change reported", got, ids[4])
	}
	mustClose(t, s)

	db := rawDB(t, path)
	for i, id := range append(ids, later.ID) {
		var comment, meta string
		if err := db.QueryRow("SELECT comment, meta FROM flows WHERE id = ?", id).Scan(&comment, &meta); err != nil {
			t.Fatalf("flow %d: %v", i, err)
		}
		changed := i == 3 || i == 5
		switch {
		case i == 4 && (meta != "not json" || comment != ""):
			t.Errorf("the unreadable flow's row changed: comment %q, meta %q", comment, meta)
		case changed && comment != "changed":
			t.Errorf("flow %d: comment %q, want the change saved", i, comment)
		case !changed && i != 4 && comment != "":
			t.Errorf("flow %d: comment %q, want none", i, comment)
		}
	}
}
