package session

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
)

// How a background load fails: a row, or the file, that cannot be read.

func TestCorruptRowDuringBackgroundLoadIsReportedAndTheRestLoad(t *testing.T) {
	const n = 3 * loadBatchSize
	path := writeSession(t, n)
	execRaw(t, path, fmt.Sprintf("UPDATE flows SET meta = '{\"request\": ' WHERE seq = %d", loadBatchSize+10))
	var mu sync.Mutex
	var reported []error
	s := openStore(t, path, Options{ReadOnly: true, LoadInBackground: true, OnError: func(err error) {
		mu.Lock()
		reported = append(reported, err)
		mu.Unlock()
	}})
	st := waitLoaded(t, s)
	if st != (LoadState{Loaded: n - 1, Total: n, Skipped: 1, Done: true}) || s.Len() != n-1 {
		t.Fatalf("after the load: %+v and %d flows, want all but the corrupt one", st, s.Len())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reported) != 1 || !strings.Contains(reported[0].Error(), "decode metadata") {
		t.Errorf("reported %v, want the one corrupt flow", reported)
	}
	if got := listedSeqs(s); got[loadBatchSize+8] != loadBatchSize+9 || got[loadBatchSize+9] != loadBatchSize+11 {
		t.Errorf("around the corrupt flow the store lists %v", got[loadBatchSize+8:loadBatchSize+10])
	}
}

// A file damaged in the middle (a page of the flows table overwritten)
// stops the load where the damage is: Open has returned with the first
// flows, the load ends with the error, reported, and every flow read
// before it stays.
func TestDamagedFileStopsBackgroundLoadAndKeepsWhatItRead(t *testing.T) {
	const n = 6 * loadBatchSize
	path := writeSession(t, n)
	leaves := pagesOf(t, path, "SELECT pageno FROM dbstat WHERE name = 'flows' AND pagetype = 'leaf' ORDER BY pageno")
	if len(leaves) < 8 {
		t.Fatalf("the flows table has %d leaf pages; the test needs more", len(leaves))
	}
	overwritePages(t, path, leaves[len(leaves)*3/4])

	var mu sync.Mutex
	var reported []error
	s := openStore(t, path, Options{ReadOnly: true, LoadInBackground: true, OnError: func(err error) {
		mu.Lock()
		reported = append(reported, err)
		mu.Unlock()
	}})
	st := waitLoaded(t, s)
	if st.Err == nil || st.Loaded < loadBatchSize || st.Loaded >= n || st.Total != n || s.Len() != st.Loaded {
		t.Fatalf("after loading a damaged file: %+v and %d flows, want an error and the flows before the damage", st, s.Len())
	}
	if got := listedSeqs(s); got[0] != 1 || got[len(got)-1] != int64(len(got)) {
		t.Errorf("the flows kept are Seq %d...%d, want 1...%d", got[0], got[len(got)-1], len(got))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reported) != 1 || !errors.Is(reported[0], st.Err) || !strings.Contains(reported[0].Error(), "flows loaded") {
		t.Errorf("reported %v, want the load's error %v", reported, st.Err)
	}
}

// TestDamagedIDIndexStillLoadsTheTable: the ID index is not what a load
// reads, only what counts the rows: with its pages damaged every flow of
// the table still loads, its total unknown (0).
func TestDamagedIDIndexStillLoadsTheTable(t *testing.T) {
	const n = 3 * loadBatchSize
	path := writeSession(t, n)
	pages := pagesOf(t, path, "SELECT pageno FROM dbstat WHERE name = 'sqlite_autoindex_flows_1' ORDER BY pageno")
	if len(pages) == 0 {
		t.Fatal("the ID index has no pages")
	}
	overwritePages(t, path, pages...)
	s := openStore(t, path, Options{ReadOnly: true, LoadInBackground: true})
	st := waitLoaded(t, s)
	if st.Err != nil || st.Loaded != n || s.Len() != n {
		t.Fatalf("after loading a file whose ID index is damaged: %+v and %d flows, want all %d", st, s.Len(), n)
	}
	if got := listedSeqs(s); got[0] != 1 || got[len(got)-1] != n {
		t.Errorf("the flows are Seq %d...%d, want 1...%d", got[0], got[len(got)-1], n)
	}
}

// pagesOf returns the page numbers query (on SQLite's dbstat table) lists
// for the session file at path.
func pagesOf(t *testing.T, path, query string) []int64 {
	t.Helper()
	db := rawDB(t, path)
	defer db.Close()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var pages []int64
	for rows.Next() {
		var p int64
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		pages = append(pages, p)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return pages
}

// overwritePages fills the given pages of the session file at path with
// 0xff, as damage on disk would.
func overwritePages(t *testing.T, path string, pages ...int64) {
	t.Helper()
	db := rawDB(t, path)
	var pageSize int64
	err := db.QueryRow("PRAGMA page_size").Scan(&pageSize)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	fh, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		if _, err := fh.WriteAt(bytes.Repeat([]byte{0xff}, int(pageSize)), (p-1)*pageSize); err != nil {
			t.Fatal(err)
		}
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
}
