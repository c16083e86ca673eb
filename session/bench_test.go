package session

import (
	"fmt"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// benchFlow is a finished GET with browser-like headers and a small body.
func benchFlow(i int) *Flow {
	t := at(1_700_000_000+int64(i/1000), i%1000)
	return &Flow{
		State:  Done,
		Client: Peer{Addr: "127.0.0.1:51234", SNI: "api.example.com", TLSVersion: "TLS 1.3", ALPN: "http/1.1"},
		Server: Peer{Addr: "93.184.216.34:443"},
		Request: &Request{Method: "GET", URL: fmt.Sprintf("https://api%d.example.com/v1/items/%d?page=2", i%50, i),
			Proto: "HTTP/1.1", Header: http.Header{
				"Host": {"api.example.com"}, "User-Agent": {"Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0"},
				"Accept": {"application/json"}, "Accept-Language": {"en-US,en;q=0.5"},
				"Accept-Encoding": {"gzip, deflate, br"}, "Connection": {"keep-alive"},
				"Cookie": {"session=0123456789abcdef; theme=dark"}, "Referer": {"https://example.com/"},
			}},
		Response: &Response{Status: 200, Reason: "OK", Proto: "HTTP/1.1", Header: http.Header{
			"Content-Type": {"application/json; charset=utf-8"}, "Content-Length": {"27"},
			"Date": {"Tue, 14 Nov 2023 22:13:20 GMT"}, "Server": {"nginx"},
			"Cache-Control": {"no-cache"}, "Etag": {`W/"1b-abc"`},
			"Strict-Transport-Security": {"max-age=31536000"}, "Vary": {"Accept-Encoding"},
		}, Body: Body{Data: []byte(`{"id":1,"name":"item","ok":1}`), Size: 27}},
		Timings: Timings{ClientConnect: t, RequestReceived: t.Add(time.Millisecond),
			RequestSent: t.Add(2 * time.Millisecond), FirstByte: t.Add(40 * time.Millisecond),
			Complete: t.Add(41 * time.Millisecond)},
	}
}

// BenchmarkStoreAdd measures Add. "persisted" includes the commit of every
// flow (Flush) and reports flows/s written; "hot-path" times only the Add
// calls, as the proxy sees them, with the writer committing alongside;
// "recorded" is persisted with each flow added pending and updated twice
// (response, then done), as the proxy records it, and "recorded-shared"
// the same into a store with ShareHeaders, as siphon's proxy records into
// its session. cpu-µs/flow is the process's CPU time (user and system,
// every goroutine) per flow: on a busy machine it moves far less than
// flows/s.
func BenchmarkStoreAdd(b *testing.B) {
	tmpl := benchFlow(1)
	for _, name := range []string{"persisted", "hot-path", "recorded", "recorded-shared"} {
		b.Run(name, func(b *testing.B) {
			s := openStore(b, filepath.Join(b.TempDir(), "s.db"), Options{ShareHeaders: name == "recorded-shared"})
			b.ReportAllocs()
			cpu := cpuTime()
			b.ResetTimer()
			for range b.N {
				f := *tmpl
				if !strings.HasPrefix(name, "recorded") {
					s.Add(&f)
					continue
				}
				res := f.Response
				f.State, f.Response = Pending, nil
				s.Add(&f)
				f.Response = res
				if err := s.Update(&f); err != nil {
					b.Fatal(err)
				}
				f.State = Done
				if err := s.Update(&f); err != nil {
					b.Fatal(err)
				}
			}
			if name == "hot-path" {
				b.StopTimer()
			}
			mustFlush(b, s)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "flows/s")
			b.ReportMetric(float64(cpuTime()-cpu)/1e3/float64(b.N), "cpu-µs/flow")
			mustClose(b, s)
		})
	}
}

// cpuTime is this process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// build100k writes a session of 100,000 benchFlows and returns its path.
func build100k(b *testing.B) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "s.db")
	s, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 100_000 {
		s.Add(benchFlow(i))
	}
	mustClose(b, s)
	return path
}

// BenchmarkStoreOpen100k measures opening a 100k-flow session (reading
// every flow's metadata) and reports the Go heap it holds per flow, which
// excludes bodies (they stay on disk).
func BenchmarkStoreOpen100k(b *testing.B) {
	path := build100k(b)
	var perFlow float64
	for b.Loop() {
		b.StopTimer()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.StartTimer()
		s, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if s.Len() != 100_000 {
			b.Fatalf("opened %d flows, want 100000", s.Len())
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perFlow = float64(after.HeapAlloc-before.HeapAlloc) / 100_000
		mustClose(b, s)
		b.StartTimer()
	}
	b.ReportMetric(perFlow, "heap-B/flow")
}

// BenchmarkStoreList100k measures what the UI does on each change: count
// the matches of a filter over 100k flows and fetch a window of 50.
func BenchmarkStoreList100k(b *testing.B) {
	s := openStore(b, build100k(b), Options{})
	m := MatcherFunc(func(f *Flow) bool { return strings.HasPrefix(f.Host(), "api7") })
	for b.Loop() {
		n := s.Count(m)
		if got := len(s.List(m, n/2, 50)); got != 50 {
			b.Fatalf("List window has %d flows, want 50", got)
		}
	}
}

// BenchmarkStoreCommit measures the writer alone: each iteration adds a
// batch of flows (untimed) and times the commit that writes them, so it
// reports the writer's cost per flow without the Add calls running
// alongside. Batches of one flow are the writer's worst case (a commit a
// flow), 1000 its default batch.
func BenchmarkStoreCommit(b *testing.B) {
	for _, batch := range []int{1, 64, 1000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			s := openStore(b, filepath.Join(b.TempDir(), "s.db"), Options{FlushInterval: never, BatchSize: 1 << 30})
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				b.StopTimer()
				for range batch {
					s.Add(benchFlow(n))
					n++
				}
				b.StartTimer()
				mustFlush(b, s)
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(n), "ns/flow")
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "flows/s")
		})
	}
}

// BenchmarkAppendMeta measures the writer's JSON encoding of one flow's
// metadata, with the flow hot in cache (the writer's own is not: the proxy
// wrote it on another core).
func BenchmarkAppendMeta(b *testing.B) {
	f := benchFlow(1)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = appendMeta(buf[:0], f)
	}
	b.SetBytes(int64(len(buf)))
}
