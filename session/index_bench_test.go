package session

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Issue 17's index benchmarks: a million committed flows, as a live
// session holds them after a long capture.
//
//	go test -run '^$' -bench 'Index1M' -benchtime 5x ./session

const indexFlows = 1_000_000

// committedStore returns a store holding n benchFlows, each in the form
// the writer leaves a committed flow in (light, compact when it fits),
// without writing them to a file: a million commits would take the
// benchmark a minute. The store is read-only so that nothing is written.
// heap is the live heap the flows cost, per flow.
func committedStore(b testing.TB, n int) (s *Store, heap float64) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "s.db")
	openStore(b, path, Options{}).Close() // an empty session to open read-only
	before := liveHeap()
	s = openStore(b, path, Options{ReadOnly: true})
	for i := range n {
		f := benchFlow(i)
		// Durations as varied as real traffic's: the same for all would
		// make sorting by duration a pass over sorted input.
		f.Timings.Complete = f.Timings.Complete.Add(time.Duration(uint64(i)*0x9e3779b97f4a7c15>>40) * time.Microsecond)
		s.Add(f)
	}
	s.mu.Lock()
	rows := make([]row, 0, 1024)
	for i, e := range s.order {
		f := e.meta.Load()
		stripBodies(f, nil)
		delete(s.bodies, e)
		rows = append(rows, row{e: e, meta: f, version: e.version.Load()})
		if len(rows) == cap(rows) || i == len(s.order)-1 {
			s.lighten(rows)
			for _, r := range rows {
				r.light.storeIn(r.e)
			}
			rows = rows[:0]
		}
	}
	s.bodies = make(map[*entry]*bodyParts) // as the writer does: a map keeps the buckets it grew to
	s.journal, s.journalBase = nil, s.journalBase+uint64(len(s.journal))
	s.mu.Unlock()
	heap = float64(liveHeap()-before) / float64(n)
	runtime.KeepAlive(s)
	return s, heap
}

// BenchmarkIndex1M measures the in-memory index at a million flows: the
// heap a flow costs (B/flow), a window of 50 rows in the middle of a time-
// ordered view (what a frame of the flow list reads), a filter that reads
// no headers or bodies applied over every flow, and sorting every flow by
// duration.
func BenchmarkIndex1M(b *testing.B) {
	s, heap := committedStore(b, indexFlows)
	ctx := context.Background()
	b.Run("memory-per-row", func(b *testing.B) {
		for b.Loop() {
		}
		b.ReportMetric(heap, "B/flow")
	})
	b.Run("window", func(b *testing.B) {
		v := s.NewView()
		if _, err := v.Refresh(ctx); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if w := v.Window(indexFlows/2, 50); len(w) != 50 {
				b.Fatalf("window of %d rows, want 50", len(w))
			}
		}
	})
	b.Run("filter", func(b *testing.B) {
		v := s.NewView()
		v.Refresh(ctx)
		hosts := []string{"api7.", "api1."}
		n := 0
		defer reportCPU(b, processCPU())
		for b.Loop() {
			host := hosts[n%2]
			n++
			v.SetMatcher(urlStatusMatcher{host: host, status: 200})
			st, err := v.Refresh(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if st.Shown != indexFlows/50 {
				b.Fatalf("filter shows %d flows, want %d", st.Shown, indexFlows/50)
			}
		}
	})
	b.Run("sort-duration", func(b *testing.B) {
		v := s.NewView()
		v.Refresh(ctx)
		keys := []SortKey{SortDuration, SortTime}
		n := 0
		defer reportCPU(b, processCPU())
		for b.Loop() {
			v.SetOrder(keys[n%2], false)
			n++
			if _, err := v.Refresh(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// urlStatusMatcher stands for the filter "~u HOST & ~c STATUS": like the
// filter package's matchers, it says it reads no IDs (IDMatcher).
type urlStatusMatcher struct {
	host   string
	status int
}

func (m urlStatusMatcher) Match(f *Flow) bool {
	return f.Request != nil && strings.Contains(f.Request.URL, m.host) && f.Response != nil && f.Response.Status == m.status
}

func (urlStatusMatcher) NeedsID() bool { return false }

// processCPU is this process's user and system time so far: on a shared
// machine a benchmark's wall time depends on its neighbours, its CPU time
// much less.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per iteration since start, in all of
// the process's threads (the GC's included).
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(processCPU()-start)/float64(b.N)/1e6, "cpu-ms/op")
}
