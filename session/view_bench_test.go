package session

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// store100k returns a store holding 100,000 benchFlows, added in memory.
func store100k(b *testing.B) *Store {
	b.Helper()
	s := openStore(b, filepath.Join(b.TempDir(), "s.db"), Options{})
	for i := range 100_000 {
		s.Add(benchFlow(i))
	}
	mustFlush(b, s)
	return s
}

// BenchmarkViewRefresh100k measures a View over 100k flows: a Refresh with
// nothing new (what each store signal costs when idle), one after 10 new
// flows in time and in duration order, and a new filter applied over all.
func BenchmarkViewRefresh100k(b *testing.B) {
	s := store100k(b)
	ctx := context.Background()
	b.Run("idle", func(b *testing.B) {
		v := s.NewView()
		v.Refresh(ctx)
		for b.Loop() {
			v.Refresh(ctx)
		}
	})
	for _, key := range []SortKey{SortTime, SortDuration} {
		b.Run(fmt.Sprintf("10-new/%v", key), func(b *testing.B) {
			v := s.NewView()
			v.SetOrder(key, false)
			v.Refresh(ctx)
			for b.Loop() {
				b.StopTimer()
				for i := range 10 {
					s.Add(benchFlow(i * 7919))
				}
				b.StartTimer()
				v.Refresh(ctx)
			}
		})
	}
	b.Run("apply-filter", func(b *testing.B) {
		v := s.NewView()
		v.Refresh(ctx)
		hosts := []string{"api7", "api1"}
		n := 0
		for b.Loop() {
			host := hosts[n%2]
			n++
			v.SetMatcher(MatcherFunc(func(f *Flow) bool { return strings.HasPrefix(f.Host(), host) }))
			if _, err := v.Refresh(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("apply-header-filter", func(b *testing.B) {
		// Every flow is committed and light: the headers come from the file.
		v := s.NewView()
		v.Refresh(ctx)
		for b.Loop() {
			v.SetMatcher(headerNeedle{})
			if _, err := v.Refresh(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("apply-body-filter", func(b *testing.B) {
		v := s.NewView()
		v.Refresh(ctx)
		for b.Loop() {
			v.SetMatcher(bodyNeedle{})
			if _, err := v.Refresh(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sort-duration", func(b *testing.B) {
		v := s.NewView()
		v.Refresh(ctx)
		keys := []SortKey{SortDuration, SortURL}
		n := 0
		for b.Loop() {
			v.SetOrder(keys[n%2], false)
			n++
			v.Refresh(ctx)
		}
	})
}

// BenchmarkViewMemory100k reports the heap a View of 100k flows holds.
func BenchmarkViewMemory100k(b *testing.B) {
	s := store100k(b)
	var perFlow float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		v := s.NewView()
		v.Refresh(context.Background())
		runtime.GC()
		runtime.ReadMemStats(&after)
		perFlow = float64(after.HeapAlloc-before.HeapAlloc) / 100_000
		runtime.KeepAlive(v)
	}
	b.ReportMetric(perFlow, "heap-B/flow")
}
