package session

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
)

// heapProbe is a writer that discards what it is given and, every so
// many bytes, measures the live heap (after a collection), so a test can
// tell an export that streams from one that accumulates.
type heapProbe struct {
	written  int64
	next     int64 // measure when written passes this
	every    int64
	samples  int
	baseline uint64
	peak     uint64
}

func newHeapProbe(every int64) *heapProbe {
	p := &heapProbe{every: every, next: every}
	p.baseline = liveHeap()
	p.peak = p.baseline
	return p
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func (p *heapProbe) Write(b []byte) (int, error) {
	p.written += int64(len(b))
	if p.written >= p.next {
		p.next += p.every
		p.samples++
		p.peak = max(p.peak, liveHeap())
	}
	return len(b), nil
}

// growth is how far the live heap rose above its level before the export.
func (p *heapProbe) growth() int64 { return int64(p.peak) - int64(p.baseline) }

// fillStore adds n flows with a body of size bytes each and commits them.
func fillStore(t testing.TB, s *Store, n, size int) {
	t.Helper()
	body := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	for i := range n {
		f := smallFlow(i)
		f.Request.URL = fmt.Sprintf("https://api%d.test/v1/items/%d?page=%d", i%50, i, i%7)
		f.Response.Body = Body{Data: body, Size: int64(len(body))}
		s.Add(f)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
}

// TestExportHARBoundedMemory exports a session whose HAR is far larger
// than the memory the export may use: the live heap must not grow with the
// number of entries written.
func TestExportHARBoundedMemory(t *testing.T) {
	const flows, bodySize = 20_000, 4096
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	fillStore(t, s, flows, bodySize)

	probe := newHeapProbe(8 << 20)
	n, err := s.ExportHAR(context.Background(), probe, nil, HARCreator{Name: "siphon"})
	if err != nil || n != flows {
		t.Fatalf("ExportHAR = %d, %v", n, err)
	}
	if probe.written < flows*bodySize || probe.samples < 10 {
		t.Fatalf("wrote %d bytes, measured %d times; want over %d bytes and 10 measures", probe.written, probe.samples, flows*bodySize)
	}
	// An export that built the document in memory would grow by about
	// what it wrote (over 80 MB here).
	const limit = 16 << 20
	if g := probe.growth(); g > limit {
		t.Errorf("live heap grew by %d bytes while writing %d bytes of HAR; want under %d", g, probe.written, limit)
	}
	t.Logf("wrote %d MB of HAR for %d flows; live heap growth %d KB", probe.written>>20, flows, probe.growth()>>10)
}

// BenchmarkExportHAR measures the export of a large session and reports
// the peak growth of the live heap. Run with -benchtime 1x.
func BenchmarkExportHAR(b *testing.B) {
	for _, flows := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(flows), func(b *testing.B) {
			s := openStore(b, filepath.Join(b.TempDir(), "s.db"), Options{})
			fillStore(b, s, flows, 2048)
			b.ResetTimer()
			var probe *heapProbe
			for range b.N {
				probe = newHeapProbe(16 << 20)
				if _, err := s.ExportHAR(context.Background(), probe, nil, HARCreator{Name: "siphon"}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(probe.written)/float64(flows), "HAR-bytes/flow")
			b.ReportMetric(float64(probe.growth())/(1<<20), "heap-growth-MB")
			b.ReportMetric(float64(probe.baseline)/(1<<20), "heap-before-MB")
			b.ReportMetric(float64(probe.samples), "heap-samples")
		})
	}
}
