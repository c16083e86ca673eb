package session

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// never is a flush interval that no test waits out: commits happen only
// when a batch fills, on Flush and on Close.
const never = time.Hour

func TestWriteErrorKeepsFlowsAndRetries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	errs := make(chan error, 100)
	s := openStore(t, path, Options{FlushInterval: never, OnError: func(err error) { errs <- err }})
	s.Add(smallFlow(0))
	mustFlush(t, s)

	// A trigger makes every write fail, as a full disk would.
	execRaw(t, path, `CREATE TRIGGER fail BEFORE INSERT ON flows
		BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END`)
	a, b := fullFlow(1), smallFlow(2)
	s.Add(a)
	s.Add(b)
	err := s.Flush()
	if err == nil || !strings.Contains(err.Error(), "disk full (test)") || !strings.Contains(err.Error(), path) {
		t.Fatalf("Flush with failing writes = %v, want the write error naming the file", err)
	}
	if got := <-errs; !strings.Contains(got.Error(), "disk full (test)") {
		t.Errorf("OnError got %v", got)
	}
	// Still pending, bodies still in memory, still readable.
	if g, err := s.Get(a.ID); err != nil || string(g.Response.Body.Data) != string(a.Response.Body.Data) {
		t.Errorf("Get of an uncommitted flow = %v, %v", g, err)
	}
	b.Comment = "changed while the disk was full"
	if err := s.Update(b); err != nil {
		t.Fatal(err)
	}

	execRaw(t, path, "DROP TRIGGER fail")
	mustFlush(t, s)
	mustClose(t, s)

	s = openStore(t, path, Options{})
	if s.Len() != 3 {
		t.Fatalf("after recovery: %d flows, want 3", s.Len())
	}
	if g, err := s.Get(b.ID); err != nil || g.Comment != b.Comment {
		t.Errorf("the update made during the failure was lost: %+v, %v", g, err)
	}
	if g, err := s.Get(a.ID); err != nil || string(g.Original.Body.Data) != "original body" {
		t.Errorf("bodies of a flow written after a failure: %+v, %v", g, err)
	}
}

func TestCloseLosesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{FlushInterval: never, BatchSize: 1 << 20})
	for i := range 500 {
		s.Add(smallFlow(i))
	}
	mustClose(t, s)
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if s := openStore(t, path, Options{}); s.Len() != 500 {
		t.Errorf("after Close and reopen: %d flows, want 500", s.Len())
	}
}

func TestFullBatchCommitsEarly(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{FlushInterval: never, BatchSize: 10})
	for i := range 9 {
		s.Add(smallFlow(i))
	}
	s.mu.Lock()
	attempt := s.attempt
	s.mu.Unlock()
	s.Add(smallFlow(9)) // the tenth fills the batch and wakes the writer
	select {
	case <-attempt:
	case <-time.After(time.Minute):
		t.Fatal("a full batch did not wake the writer")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed != 10 || s.lastErr != nil {
		t.Errorf("after a full batch: %d changes committed (error %v), want 10", s.committed, s.lastErr)
	}
}

func TestClosedStore(t *testing.T) {
	var mu sync.Mutex
	var reported []error
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{OnError: func(err error) {
		mu.Lock()
		reported = append(reported, err)
		mu.Unlock()
	}})
	f := smallFlow(1)
	s.Add(f)
	mustClose(t, s)
	if err := s.Flush(); err != nil {
		t.Errorf("Flush after Close with nothing pending = %v", err)
	}
	for name, err := range map[string]error{
		"Update": s.Update(f), "Delete": s.Delete(f.ID), "Clear": s.Clear(),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
	if _, err := s.Get(f.ID); !errors.Is(err, ErrClosed) {
		t.Errorf("Get of a flow on disk after Close = %v, want ErrClosed", err)
	}
	s.Add(smallFlow(2))
	mu.Lock()
	defer mu.Unlock()
	if len(reported) != 1 || !errors.Is(reported[0], ErrClosed) {
		t.Errorf("Add after Close reported %v, want one ErrClosed", reported)
	}
	if s.Len() != 2 || s.Count(nil) != 2 {
		t.Errorf("Len after Close = %d, want 2 (kept in memory)", s.Len())
	}
}

func TestConcurrentUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{BatchSize: 50})
	const workers, perWorker = 8, 100
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				f := smallFlow(w*perWorker + i)
				f.State = Pending
				s.Add(f)
				f.State = Done
				f.Comment = "done"
				if err := s.Update(f); err != nil {
					t.Error(err)
				}
				if _, err := s.Get(f.ID); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() { // a reader, like the UI
		for range 50 {
			s.List(nil, 0, 20)
			s.List(bodyMatcher("hello"), 10, 5)
			s.Count(MatcherFunc(func(f *Flow) bool { return f.Comment == "done" }))
		}
	})
	wg.Go(func() {
		for range 20 {
			if err := s.Flush(); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	mustClose(t, s)

	s = openStore(t, path, Options{})
	if got := s.Count(MatcherFunc(func(f *Flow) bool { return f.State == Done && f.Comment == "done" })); got != workers*perWorker {
		t.Errorf("after concurrent use: %d finished flows, want %d", got, workers*perWorker)
	}
	seen := map[int64]bool{}
	for _, f := range s.List(nil, 0, -1) {
		if seen[f.Seq] {
			t.Errorf("Seq %d handed out twice", f.Seq)
		}
		seen[f.Seq] = true
	}
}
