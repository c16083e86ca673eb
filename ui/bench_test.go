package ui

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/filter"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// benchFlow is a finished flow like a browser's API call.
func benchFlow(i int) *session.Flow {
	methods := []string{"GET", "GET", "GET", "POST", "PUT", "DELETE"}
	f := &session.Flow{State: session.Done,
		Request: req(methods[i%len(methods)], fmt.Sprintf("https://api%d.example.com/v1/items/%d?page=2", i%50, i),
			http.Header{"Accept": {"application/json"}, "User-Agent": {"Mozilla/5.0"}}, ""),
		Response: resp(200+i%5*100, "application/json", []byte(`{"id":1,"name":"item"}`))}
	return timed(f, i/100, time.Duration(i%997)*time.Millisecond)
}

// benchStore returns a store of n benchFlows, committed to its file.
func benchStore(b *testing.B, n int) *session.Store {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bench.db")
	s, err := session.Open(path, session.Options{})
	must(b, err)
	b.Cleanup(func() { s.Close() })
	for i := range n {
		s.Add(benchFlow(i))
	}
	must(b, s.Flush())
	return s
}

// settled returns a UI over store, sized and refreshed, as after start.
func settled(b *testing.B, store *session.Store, opts ...Option) *Model {
	m := New(store, append([]Option{WithLocation(time.UTC)}, opts...)...)
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	msg := m.list.RefreshNow(context.Background())
	must(b, msg.Err)
	m.Update(msg)
	return m
}

// BenchmarkListFrame measures drawing the list (View) with 100 and
// 100,000 flows in the store: only the visible rows are built.
func BenchmarkListFrame(b *testing.B) {
	for _, n := range []int{100, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			m := settled(b, benchStore(b, n))
			b.ReportAllocs()
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

// BenchmarkCursorMove measures a cursor move (the key's Update and the
// frame it draws) with 100 and 100,000 flows.
func BenchmarkCursorMove(b *testing.B) {
	for _, n := range []int{100, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			m := settled(b, benchStore(b, n))
			km := m.keys
			keys := []tea.KeyMsg{km.KeyMsg(keymap.ScopeList, keymap.ActDown), km.KeyMsg(keymap.ScopeList, keymap.ActUp)}
			// Start mid-list so that moves scroll the window.
			m.list.Move(n / 2)
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				m.Update(keys[i%2])
				_ = m.View()
				i++
			}
		})
	}
}

// BenchmarkFilterApply100k measures applying a new filter over 100,000
// flows: the view's full pass, as the UI runs it after enter.
func BenchmarkFilterApply100k(b *testing.B) {
	m := settled(b, benchStore(b, 100_000))
	exprs := []string{"~m POST & ~c 200", "~d api7 | ~c >=500", "~dur >500ms"}
	i := 0
	for b.Loop() {
		f, err := filter.Parse(exprs[i%len(exprs)])
		must(b, err)
		i++
		m.view.SetMatcher(f)
		if _, err := m.view.Refresh(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/filter")
}

// BenchmarkUIMemory100k reports the heap the UI itself holds for 100,000
// flows (its view index and model), beyond the store's own index.
func BenchmarkUIMemory100k(b *testing.B) {
	store := benchStore(b, 100_000)
	var perFlow float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		m := settled(b, store)
		runtime.GC()
		runtime.ReadMemStats(&after)
		perFlow = float64(after.HeapAlloc-before.HeapAlloc) / 100_000
		runtime.KeepAlive(m)
	}
	b.ReportMetric(perFlow, "heap-B/flow")
}

// BenchmarkOpen100kAndDraw measures what a user waits for when opening a
// 100,000-flow session: open the file, build the UI, index and draw the
// first frame.
func BenchmarkOpen100kAndDraw(b *testing.B) {
	path := benchStore(b, 100_000).Path()
	for b.Loop() {
		s, err := session.Open(path, session.Options{ReadOnly: true})
		must(b, err)
		m := settled(b, s, WithReadOnly())
		if v := m.View(); len(v) == 0 {
			b.Fatal("empty frame")
		}
		s.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/open")
}
