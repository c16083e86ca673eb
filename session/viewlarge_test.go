package session

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// variedFlow is flow i of a session with every kind of key: methods,
// hosts, statuses, sizes and durations that vary (and tie), pending flows
// without a response, failed ones.
func variedFlow(r *rand.Rand, i int) *Flow {
	f := smallFlow(i)
	f.Request.Method = []string{"GET", "POST", "PUT", "DELETE"}[r.IntN(4)]
	f.Request.URL = fmt.Sprintf("http://host%d.test/%d", r.IntN(40), r.IntN(5000))
	f.Response.Status = []int{200, 204, 301, 404, 500}[r.IntN(5)]
	f.Response.Body.Size = int64(r.IntN(3)) << r.IntN(40)
	f.Timings.Complete = f.Timings.RequestReceived.Add(time.Duration(r.IntN(1000)) << r.IntN(30))
	switch r.IntN(10) {
	case 0:
		f.State, f.Response, f.Timings.Complete = Pending, nil, 0
	case 1:
		f.State, f.Err = Failed, &Error{Phase: PhaseDial, Msg: "refused"}
	}
	return f
}

// getAll reads every flow of ids with Store.Get.
func getAll(t *testing.T, s *Store, ids []string) []*Flow {
	t.Helper()
	out := make([]*Flow, len(ids))
	for i, id := range ids {
		f, err := s.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = f
	}
	return out
}

// naiveOrder is what a view with m in the order key should show of all:
// the flows m matches, sorted by key then Seq.
func naiveOrder(all []*Flow, m Matcher, key SortKey, reverse bool) []int64 {
	var flows []*Flow
	for _, f := range all {
		if m == nil || m.Match(f) {
			flows = append(flows, f)
		}
	}
	slices.SortFunc(flows, key.compare)
	out := make([]int64, len(flows))
	for i, f := range flows {
		out[i] = f.Seq
	}
	if reverse {
		slices.Reverse(out)
	}
	return out
}

// idBlind is a matcher that declares it reads no IDs, as the filter
// package's do.
type idBlind struct{ m MatcherFunc }

func (b idBlind) Match(f *Flow) bool { return b.m(f) }
func (idBlind) NeedsID() bool        { return false }

// TestViewLargeMatchesNaive: a view over 9,000 flows (matched and sorted
// in several chunks, compact rows and pending flows mixed) shows, in every
// order and with each matcher, what a naive filter and sort of Store.Get's
// flows gives; and still after updates that move flows, new flows, and
// deletes.
func TestViewLargeMatchesNaive(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3)) // several chunks even on one CPU
	const n = 9_000
	r := rand.New(rand.NewPCG(7, 11))
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	var ids []string
	for i := range n {
		f := variedFlow(r, i)
		s.Add(f)
		ids = append(ids, f.ID)
	}
	mustFlush(t, s) // the finished flows become compact rows
	matchers := map[string]Matcher{
		"all":       nil,
		"host":      MatcherFunc(func(f *Flow) bool { return strings.Contains(target(f), "host1") }),
		"status-id": idBlind{func(f *Flow) bool { return f.Response != nil && f.Response.Status >= 300 }},
	}
	check := func(step string) {
		t.Helper()
		all := getAll(t, s, ids)
		for name, m := range matchers {
			v := s.NewView()
			v.SetMatcher(m)
			for key := range numSortKeys {
				for _, reverse := range []bool{false, true} {
					v.SetOrder(key, reverse)
					refresh(t, v)
					if got, want := seqs(v), naiveOrder(all, m, key, reverse); !slices.Equal(got, want) {
						t.Fatalf("%s, %s by %v (reverse %v): the view shows %d flows %v..., want %d %v...",
							step, name, key, reverse, len(got), got[:min(len(got), 8)], len(want), want[:min(len(want), 8)])
					}
				}
			}
		}
	}
	check("committed")

	// Views that stay open through changes take them in incrementally.
	type kept struct {
		v   *View
		m   Matcher
		key SortKey
	}
	var open []kept
	for _, m := range matchers {
		for key := range numSortKeys {
			v := s.NewView()
			v.SetMatcher(m)
			v.SetOrder(key, false)
			refresh(t, v)
			open = append(open, kept{v, m, key})
		}
	}
	for round := range 6 {
		// Updates that move flows in every order, the same flows again
		// and again: a kept view must find each where it last put it.
		for range 200 {
			f, err := s.Get(ids[r.IntN(400)])
			if err != nil {
				t.Fatal(err)
			}
			g := variedFlow(r, int(f.Seq))
			g.ID = f.ID
			if err := s.Update(g); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 200 {
			f := variedFlow(r, n+round*200+i)
			s.Add(f)
			ids = append(ids, f.ID)
		}
		if round == 3 {
			for range 100 {
				i := r.IntN(len(ids))
				if err := s.Delete(ids[i]); err != nil {
					t.Fatal(err)
				}
				ids = slices.Delete(ids, i, i+1)
			}
		}
		if round == 4 {
			mustFlush(t, s)
		}
		all := getAll(t, s, ids)
		for _, k := range open {
			refresh(t, k.v)
			if got, want := seqs(k.v), naiveOrder(all, k.m, k.key, false); !slices.Equal(got, want) {
				t.Fatalf("round %d, kept view by %v: %d flows, want %d", round, k.key, len(got), len(want))
			}
		}
	}
	check("after changes")
}

// TestRadixSort: positions come out ordered by their keys, ties in
// position order, over keys of any sign and span.
func TestRadixSort(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	spans := map[string]func() int64{
		"small":    func() int64 { return int64(r.IntN(5)) },
		"wide":     func() int64 { return r.Int64() - math.MaxInt64/2 },
		"extremes": func() int64 { return []int64{math.MinInt64, -1, 0, 1, math.MaxInt64}[r.IntN(5)] },
		"same":     func() int64 { return 42 },
	}
	for name, key := range spans {
		for _, n := range []int{0, 1, 2, 1000, 5000} {
			nums := make([]int64, n+100)
			var rows []int32
			for p := range nums {
				nums[p] = key()
				if r.IntN(3) > 0 && len(rows) < n {
					rows = append(rows, int32(p))
				}
			}
			want := slices.Clone(rows)
			slices.SortFunc(want, func(a, b int32) int {
				if c := cmp.Compare(nums[a], nums[b]); c != 0 {
					return c
				}
				return cmp.Compare(a, b)
			})
			if got := radixSort(rows, nums); !slices.Equal(got, want) {
				t.Errorf("%s keys, %d rows: radixSort = %v, want %v", name, len(rows), got[:min(len(got), 10)], want[:min(len(want), 10)])
			}
		}
	}
}

// TestCompactSortKeys: the sort keys read off a compact row without its
// snapshot are the snapshot's.
func TestCompactSortKeys(t *testing.T) {
	c := newCompactor()
	for _, cr := range fittingRows(t, c) {
		e := c.newEntry()
		e.setID(cr.f.ID)
		e.row.Store(cr.row)
		for key := range numSortKeys {
			if got, want := e.sortKey(key), keyOf(key, e.snapshot()); got != want {
				t.Errorf("%s, by %v: key %+v, want the snapshot's %+v", cr.name, key, got, want)
			}
		}
	}
}

// TestViewConcurrentChanges: a view refreshed and read while other
// goroutines add, update and delete flows (run it with -race) ends equal
// to a naive filter and sort once they stop.
func TestViewConcurrentChanges(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{FlushInterval: time.Millisecond})
	r := rand.New(rand.NewPCG(8, 9))
	for i := range 500 {
		s.Add(variedFlow(r, i))
	}
	v := s.NewView()
	m := idBlind{func(f *Flow) bool { return f.Response == nil || f.Response.Status < 400 }}
	v.SetMatcher(m)
	done := make(chan struct{})
	changers := 3
	errs := make(chan error, changers)
	for g := range changers {
		go func() {
			r := rand.New(rand.NewPCG(uint64(g), 1))
			var mine []string
			for i := range 300 {
				f := variedFlow(r, 1000*g+i)
				switch {
				case len(mine) > 0 && i%5 == 0:
					j := r.IntN(len(mine))
					if err := s.Delete(mine[j]); err != nil {
						errs <- err
						return
					}
					mine = slices.Delete(mine, j, j+1)
				case len(mine) > 0 && i%2 == 0:
					f.ID = mine[r.IntN(len(mine))]
					if err := s.Update(f); err != nil {
						errs <- err
						return
					}
				default:
					s.Add(f)
					mine = append(mine, f.ID)
				}
			}
			errs <- nil
		}()
	}
	go func() {
		defer close(done)
		for k := 0; ; k++ {
			select {
			case err := <-errs:
				if err != nil {
					t.Error(err)
				}
				changers--
				if changers == 0 {
					return
				}
			default:
			}
			v.SetOrder(SortKey(k%int(numSortKeys)), k%3 == 0)
			if _, err := v.Refresh(context.Background()); err != nil {
				t.Error(err)
				return
			}
			for _, f := range v.Window(max(v.Len()-5, 0), 10) {
				v.Index(f.ID)
			}
			v.Newest()
		}
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("the changes and refreshes did not end in 2 minutes")
	}
	var ids []string
	for _, f := range s.List(nil, 0, -1) {
		ids = append(ids, f.ID)
	}
	all := getAll(t, s, ids)
	for key := range numSortKeys {
		v.SetOrder(key, false)
		refresh(t, v)
		if got, want := seqs(v), naiveOrder(all, m, key, false); !slices.Equal(got, want) {
			t.Fatalf("by %v after concurrent changes: %d flows, want %d", key, len(got), len(want))
		}
	}
}

// TestViewHeap bounds the heap a view in time order holds a flow: a
// slot and a row position, no pointer (it was 88 bytes with an entry
// pointer and a sort key in each).
func TestViewHeap(t *testing.T) {
	const n = 20_000
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	for i := range n {
		s.Add(smallFlow(i))
	}
	mustFlush(t, s)
	before := liveHeap()
	v := s.NewView()
	refresh(t, v)
	perFlow := (int64(liveHeap()) - int64(before)) / n
	runtime.KeepAlive(v)
	if perFlow > 16 {
		t.Errorf("a view holds %d B of heap per flow, want at most 16", perFlow)
	}
	t.Logf("%d B of heap per flow in a view", perFlow)
}
