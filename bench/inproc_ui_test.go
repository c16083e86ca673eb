package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/bench/internal/load"
	"github.com/siphonproxy/siphon/bench/internal/origin"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui"
	"github.com/siphonproxy/siphon/ui/eventlog"
)

// The benchmarks below are the tui scenario in this process, so that
// "go test -cpuprofile" shows what siphon's UI command spends beyond
// siphon dump, in three steps: the proxy as dump sets it up
// (BenchmarkProxyHTTPKeepAlive), as the UI command sets it up but without
// a UI, and with the UI running over its store in a headless Bubble Tea
// program that draws 160×48 frames to io.Discard (a terminal that costs
// nothing). Read the profile for the ui, session.(*View), intercept and
// bubbletea frames.

// openUI runs the UI over ip's store, as siphon's UI command builds it,
// until the benchmark ends.
func (ip *inproc) openUI(b *testing.B) {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	m := ui.New(ip.store, ui.WithListen(ip.target.Proxy.Host), ui.WithEvents(eventlog.New(1000)),
		ui.WithEngine(ip.engine))
	p := tea.NewProgram(m, tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithAltScreen(),
		tea.WithoutSignalHandler(), tea.WithContext(ctx))
	ran := make(chan error, 1)
	go func() {
		_, err := p.Run()
		ran <- err
	}()
	p.Send(tea.WindowSizeMsg{Width: termWidth, Height: termHeight})
	// Cleanups run last first: the UI ends before the proxy and its store.
	b.Cleanup(func() {
		cancel()
		<-ran
	})
}

func benchSmallAsUI(b *testing.B, withUI bool) {
	ip := startInproc(b, inprocSetup{asUI: true})
	if withUI {
		ip.openUI(b)
	}
	cfg := load.Config{URL: ip.origin.HTTPURL + "/small", Concurrency: 32, WantBytes: origin.SmallSize}
	ip.warm(b, cfg)
	ip.drive(b, cfg)
}

// BenchmarkProxyHTTPKeepAliveUISetup is the http-c32 load through the
// proxy set up as siphon's UI command sets it up (rules engine, replay
// Marker), without the UI.
func BenchmarkProxyHTTPKeepAliveUISetup(b *testing.B) { benchSmallAsUI(b, false) }

// BenchmarkProxyHTTPKeepAliveUI is the tui scenario's UI leg: the same,
// with the UI open over the store.
func BenchmarkProxyHTTPKeepAliveUI(b *testing.B) { benchSmallAsUI(b, true) }

// changedPerRefresh is how many flows change between two refreshes of the
// UI's list under the tui scenario's load: about 6,000 a second, refreshed
// every 80 ms.
const changedPerRefresh = 480

// BenchmarkViewRefreshUnderLoad measures one refresh of the UI's list (a
// session.View, unfiltered, in time order) after the newest
// changedPerRefresh flows changed, in sessions of 10,000 and 100,000
// flows. What a refresh costs beyond those flows is paid every refresh
// interval while traffic flows, however little of the session changed.
func BenchmarkViewRefreshUnderLoad(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "s.db")
			if err := writeSession(path, n); err != nil {
				b.Fatal(err)
			}
			// Read-only: updates change memory alone, so no writer runs
			// beside the refreshes.
			s, err := session.Open(path, session.Options{ReadOnly: true})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			v := s.NewView()
			if _, err := v.Refresh(context.Background()); err != nil {
				b.Fatal(err)
			}
			var newest []*session.Flow
			for _, f := range v.Window(n-changedPerRefresh, changedPerRefresh) {
				newest = append(newest, f.Clone())
			}
			round := 0
			for b.Loop() {
				b.StopTimer()
				round++
				for _, f := range newest {
					f.Comment = fmt.Sprint(round)
					if err := s.Update(f); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				st, err := v.Refresh(context.Background())
				if err != nil || !st.Changed {
					b.Fatalf("refresh: %v, changed %v", err, st.Changed)
				}
			}
		})
	}
}
