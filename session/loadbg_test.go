package session

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/internal/testutil"
)

// writeSession writes a session of n smallFlows and returns its path.
func writeSession(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		s.Add(smallFlow(i))
	}
	mustClose(t, s)
	return path
}

// gated returns Options for a background load that adds each batch after
// the first only when release is called: the test decides when the load
// moves on.
func gated(opts Options) (Options, func(t *testing.T)) {
	step := make(chan struct{})
	opts.ReadOnly, opts.LoadInBackground = true, true
	opts.loadPace = func(ctx context.Context) {
		select {
		case <-step:
		case <-ctx.Done():
		}
	}
	release := func(t *testing.T) {
		t.Helper()
		select {
		case step <- struct{}{}:
		case <-time.After(testutil.ReceiveTimeout):
			t.Fatalf("the load did not ask for its next batch within %v", testutil.ReceiveTimeout)
		}
	}
	return opts, release
}

// waitFor waits until the state of the load of s satisfies ok.
func waitFor(t *testing.T, s *Store, what string, ok func(LoadState) bool) LoadState {
	t.Helper()
	deadline := time.After(testutil.ReceiveTimeout)
	for {
		if st := s.LoadState(); ok(st) {
			return st
		}
		select {
		case <-s.Changed():
		case <-deadline:
			t.Fatalf("no %s within %v: %+v", what, testutil.ReceiveTimeout, s.LoadState())
		}
	}
}

// waitLoaded waits for the background load of s to end and returns its
// final state.
func waitLoaded(t *testing.T, s *Store) LoadState {
	t.Helper()
	return waitFor(t, s, "end of the load", func(st LoadState) bool { return st.Done })
}

func listedSeqs(s *Store) []int64 {
	var out []int64
	for _, f := range s.List(nil, 0, -1) {
		out = append(out, f.Seq)
	}
	return out
}

func TestBackgroundLoadDeliversEveryFlowInSeqOrder(t *testing.T) {
	const n = 3*loadBatchSize + 100
	path := writeSession(t, n)
	// A file written by something else may hold rows out of Seq order:
	// the last row is flow 1 and the first is flow n.
	execRaw(t, path, fmt.Sprintf("UPDATE flows SET seq = -seq WHERE seq IN (1, %d)", n),
		fmt.Sprintf("UPDATE flows SET seq = %d WHERE seq = -1", n), fmt.Sprintf("UPDATE flows SET seq = 1 WHERE seq = -%d", n))
	opts, release := gated(Options{})
	s := openStore(t, path, opts)
	st := s.LoadState()
	if st.Done || st.Loaded != loadBatchSize || st.Total != n || s.Len() != loadBatchSize {
		t.Fatalf("Open returned with %+v and %d flows, want the first %d of %d loading", st, s.Len(), loadBatchSize, n)
	}
	select {
	case <-s.Loaded():
		t.Fatal("Loaded is closed while the load waits for its second batch")
	default:
	}
	for range 3 {
		release(t)
	}
	testutil.Receive(t, s.Loaded(), "end of the load")
	if st := s.LoadState(); st != (LoadState{Loaded: n, Total: n, Done: true}) {
		t.Fatalf("after the load: %+v, want all %d loaded", st, n)
	}
	got := listedSeqs(s)
	want := make([]int64, n)
	for i := range want {
		want[i] = int64(i + 1)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("the store lists %d flows, Seq %v...%v, want 1...%d in order", len(got), got[:3], got[len(got)-3:], n)
	}
	sync, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sync.Close()
	testutil.Receive(t, sync.Loaded(), "Loaded of a store loaded in full")
	if st := sync.LoadState(); st != (LoadState{Loaded: n, Total: n, Done: true}) {
		t.Errorf("a store loaded in full says %+v", st)
	}
	for _, seq := range []int64{1, 700, n} {
		id := sync.List(nil, int(seq-1), 1)[0].ID
		a, err1 := s.Get(id)
		b, err2 := sync.Get(id)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(a, b) {
			t.Errorf("Get(flow %d) = %v, %v after a background load; %v, %v after a full one", seq, a, err1, b, err2)
		}
	}
	// A flow added now comes after every flow of the file.
	f := smallFlow(0)
	s.Add(f)
	if f.Seq != n+1 {
		t.Errorf("a flow added after the load got Seq %d, want %d", f.Seq, n+1)
	}
}

func TestViewOpenedDuringBackgroundLoadEqualsOneOpenedAfter(t *testing.T) {
	const n = 4*loadBatchSize + 7
	path := writeSession(t, n)
	m := MatcherFunc(func(f *Flow) bool { return f.Response.Status == 200 })
	for _, key := range []SortKey{SortTime, SortDuration, SortURL} {
		for _, reverse := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v reverse=%v", key, reverse), func(t *testing.T) {
				opts, release := gated(Options{})
				s := openStore(t, path, opts)
				during, all := s.NewView(), s.NewView()
				during.SetMatcher(m)
				during.SetOrder(key, reverse)
				all.SetOrder(key, reverse)
				for i := range 4 {
					if st := refresh(t, during); st.Total != min((i+1)*loadBatchSize, n) {
						t.Fatalf("refresh %d during the load: %+v, want %d flows in all", i, st, (i+1)*loadBatchSize)
					}
					refresh(t, all)
					release(t)
					waitFor(t, s, "next batch", func(st LoadState) bool { return st.Loaded > (i+1)*loadBatchSize })
				}
				waitLoaded(t, s)
				refresh(t, during)
				refresh(t, all)

				full := openStore(t, path, Options{ReadOnly: true})
				after := full.NewView()
				after.SetMatcher(m)
				after.SetOrder(key, reverse)
				refresh(t, after)
				if got, want := seqs(during), seqs(after); !slices.Equal(got, want) || len(want) == 0 {
					t.Errorf("a filtered view refreshed during the load shows %d flows, one opened after %d; equal: %v",
						len(got), len(want), slices.Equal(got, want))
				}
				if got, want := seqs(all), reference(full, nil, key, reverse); !slices.Equal(got, want) || len(got) != n {
					t.Errorf("an unfiltered view refreshed during the load shows %d flows, want %d in reference order", len(got), len(want))
				}
			})
		}
	}
}

func TestCloseDuringBackgroundLoadIsPrompt(t *testing.T) {
	path := writeSession(t, 3*loadBatchSize)
	runtime.GC()
	before := runtime.NumGoroutine()
	opts, _ := gated(Options{})
	s, err := Open(path, opts) // the load now waits for a release that never comes
	if err != nil {
		t.Fatal(err)
	}
	id := s.List(nil, 0, 1)[0].ID
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	if err := testutil.Receive(t, closed, "return from Close during the load"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(id); !errors.Is(err, ErrClosed) {
		t.Errorf("Get after Close: %v, want ErrClosed", err)
	}
	if st := s.LoadState(); !st.Done || st.Err != nil || st.Loaded != loadBatchSize {
		t.Errorf("after Close: %+v, want the load stopped after the first batch, without error", st)
	}
	settleGoroutines(t, before)
}

// settleGoroutines waits until no more goroutines run than want (those of
// database/sql end just after Close), and fails with their stacks if they
// do not.
func settleGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.After(testutil.ReceiveTimeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		n := runtime.NumGoroutine()
		if n <= want {
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines after Close, want at most %d:\n%s", n, want, buf[:runtime.Stack(buf, true)])
		}
	}
}

func TestClearStopsBackgroundLoad(t *testing.T) {
	path := writeSession(t, 2*loadBatchSize)
	opts, _ := gated(Options{})
	s := openStore(t, path, opts)
	if err := s.Clear(); err != nil {
		t.Fatal(err)
	}
	if st := waitLoaded(t, s); st.Err != nil || s.Len() != 0 {
		t.Fatalf("after Clear: %+v and %d flows, want the load stopped and nothing left", st, s.Len())
	}
}

func TestLoadInBackgroundNeedsReadOnly(t *testing.T) {
	path := writeSession(t, 1)
	if s, err := Open(path, Options{LoadInBackground: true}); err == nil {
		s.Close()
		t.Fatal("Open of a writable store loading in the background succeeded")
	}
}

func fileIDs(t *testing.T, path string) []string {
	r, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var ids []string
	for _, f := range r.List(nil, 0, -1) {
		ids = append(ids, f.ID)
	}
	return ids
}

// TestAddDuringBackgroundLoadTakesANewID: a flow added while the file is
// still loading cannot keep an ID the file may hold in a row not loaded
// yet: two flows would share it (Get would reach one, Delete leave the
// other).
func TestAddDuringBackgroundLoadTakesANewID(t *testing.T) {
	const n = 2 * loadBatchSize
	path := writeSession(t, n)
	ids := fileIDs(t, path)
	late := ids[n-1]
	opts, release := gated(Options{})
	s := openStore(t, path, opts)
	f := smallFlow(999999)
	f.ID = late
	s.Add(f)
	if f.ID == late {
		t.Errorf("Add kept ID %s, which a row not loaded yet holds", late)
	}
	release(t)
	<-s.Loaded()
	all := s.List(nil, 0, -1)
	count := 0
	for _, g := range all {
		if g.ID == late {
			count++
		}
	}
	t.Logf("Len %d, listed %d, flows with ID %s: %d", s.Len(), len(all), late, count)
	if count > 1 {
		t.Errorf("two flows share ID %s", late)
	}
	if err := s.Delete(late); err != nil {
		t.Fatal(err)
	}
	left := 0
	for _, g := range s.List(nil, 0, -1) {
		if g.ID == late {
			left++
		}
	}
	if left > 0 {
		g, err := s.Get(late)
		t.Errorf("after Delete(%s): %d flows listed with that ID; Get: %v, %v", late, left, g != nil, err)
	}
}
