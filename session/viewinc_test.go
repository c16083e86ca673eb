package session

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestViewIncrementalOrders: each order kept fixed while flows change concurrently, so that Refresh takes
// the incremental path (update, mergeRows) with real keys.
func TestViewIncrementalOrders(t *testing.T) {
	for key := range numSortKeys {
		for _, rev := range []bool{false, true} {
			for _, del := range []bool{false, true} {
				t.Run(fmt.Sprintf("%v/rev=%v/del=%v", key, rev, del), func(t *testing.T) {
					s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{FlushInterval: time.Millisecond, BatchSize: 16})
					r := rand.New(rand.NewPCG(uint64(key), 3))
					var ids []string
					for i := range 300 {
						f := variedFlow(r, i)
						s.Add(f)
						ids = append(ids, f.ID)
					}
					m := idBlind{func(f *Flow) bool { return f.Response == nil || f.Response.Status < 400 }}
					v := s.NewView()
					v.SetMatcher(m)
					v.SetOrder(key, rev)
					refresh(t, v)
					var mu sync.Mutex
					var wg, rwg sync.WaitGroup
					stop := make(chan struct{})
					refreshes := 0
					rwg.Go(func() {
						for {
							select {
							case <-stop:
								return
							default:
							}
							refresh(t, v)
							refreshes++
						}
					})
					for g := range 2 {
						wg.Go(func() {
							r := rand.New(rand.NewPCG(uint64(g), uint64(key)))
							for i := range 400 {
								mu.Lock()
								id := ids[r.IntN(len(ids))]
								mu.Unlock()
								switch x := r.IntN(10); {
								case x < 6:
									f := variedFlow(r, 10000*g+i)
									f.ID = id
									s.Update(f)
								case x < 8 || !del:
									f := variedFlow(r, 10000*g+i)
									s.Add(f)
									mu.Lock()
									ids = append(ids, f.ID)
									mu.Unlock()
								default:
									s.Delete(id)
								}
							}
						})
					}
					wg.Wait()
					close(stop)
					rwg.Wait()
					t.Logf("%d refreshes", refreshes)
					refresh(t, v)
					var live []string
					for _, f := range s.List(nil, 0, -1) {
						live = append(live, f.ID)
					}
					all := getAll(t, s, live)
					if got, want := seqs(v), naiveOrder(all, m, key, rev); !slices.Equal(got, want) {
						t.Fatalf("incremental view: %d flows, naive %d; first diff at %d", len(got), len(want), firstDiff(got, want))
					}
				})
			}
		}
	}
}

func firstDiff(a, b []int64) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
