package mitm

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/martian/v3"
	"github.com/siphonproxy/siphon/session"
)

// The benchmarks below measure the proxy's CPU per keep-alive request, as
// the load benchmark's http-c32, https-c32 and c=1 scenarios do, but with
// a recorder that only copies each snapshot (what session.Store does
// before its writer takes over): they show mitm's own cost. The machine
// they run on is shared, so they report CPU time (this process's user and
// system time, client and origin included) per request, not wall time.

// copyRecorder keeps nothing but copies every snapshot, as a Recorder
// must, and as session.Store does with Options.ShareHeaders: the flow and
// its messages, not their header maps.
type copyRecorder struct {
	mu   sync.Mutex
	seq  int64
	sink atomic.Pointer[session.Flow]
}

func (r *copyRecorder) Add(f *session.Flow) {
	r.mu.Lock()
	r.seq++
	f.Seq = r.seq
	f.ID = strconv.FormatInt(r.seq, 10)
	r.mu.Unlock()
	r.keep(f)
}

func (r *copyRecorder) Update(f *session.Flow) error {
	r.keep(f)
	return nil
}

func (r *copyRecorder) keep(f *session.Flow) {
	c := *f
	for _, m := range []**session.Request{&c.Request, &c.Original} {
		if *m != nil {
			q := **m
			*m = &q
		}
	}
	if c.Response != nil {
		res := *c.Response
		c.Response = &res
	}
	r.sink.Store(&c) // escapes, as the store's copy does
}

func (r *copyRecorder) AddMessage(string, session.Message) error { return nil }

// smallDoc is the origin's answer: about the size of the load benchmark's
// /small document.
var smallDoc = []byte(strings.Repeat(`{"id":1,"name":"item","ok":true},`, 31))

func smallOrigin(tlsOn bool) *httptest.Server {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(smallDoc)))
		w.Write(smallDoc)
	})
	if tlsOn {
		return httptest.NewTLSServer(h)
	}
	return httptest.NewServer(h)
}

// cpuTime is this process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchKeepAlive(b *testing.B, https bool, c int) {
	benchKeepAliveTo(b, &copyRecorder{}, https, c)
}

// BenchmarkKeepAliveStoreHTTP1 is BenchmarkKeepAliveHTTP1 recording into
// a session file: the store's share of the c=1 path.
func BenchmarkKeepAliveStoreHTTP1(b *testing.B) {
	s, err := session.Open(filepath.Join(b.TempDir(), "s.db"), session.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	benchKeepAliveTo(b, s, false, 1)
}

// BenchmarkKeepAliveStore32 is the c=32 keep-alive benchmark recording
// into a session file, as siphon dump does: the proxy's copies, the
// store's index and its writer (same process) all count.
func BenchmarkKeepAliveStore32(b *testing.B) {
	for _, https := range []bool{false, true} {
		name := "http"
		if https {
			name = "https"
		}
		b.Run(name, func(b *testing.B) {
			s, err := session.Open(filepath.Join(b.TempDir(), "s.db"), session.Options{ShareHeaders: true})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.ReportAllocs()
			benchKeepAliveTo(b, s, https, 32)
		})
	}
}

func benchKeepAliveTo(b *testing.B, rec Recorder, https bool, c int) {
	o := smallOrigin(https)
	defer o.Close()
	cfg := Config{Recorder: rec}
	if https {
		cfg.RootCAs = poolOf(o.Certificate())
	}
	tp := startProxy(b, cfg)
	drive(b, o, tp.addr, &tls.Config{RootCAs: tp.minter.CA().Pool()}, c)
}

// drive runs b.N requests for o's small document through the proxy at
// addr from c clients, and reports the CPU time per request.
func drive(b *testing.B, o *httptest.Server, addr string, tlsConf *tls.Config, c int) {
	tr := &http.Transport{
		Proxy:               http.ProxyURL(&url.URL{Scheme: "http", Host: addr}),
		TLSClientConfig:     tlsConf,
		DisableCompression:  true,
		MaxIdleConns:        2 * c,
		MaxIdleConnsPerHost: c,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 20 * time.Second}
	get := func() error {
		res, err := client.Get(o.URL + "/small")
		if err != nil {
			return err
		}
		n, err := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if err == nil && (res.StatusCode != http.StatusOK || n != int64(len(smallDoc))) {
			err = fmt.Errorf("status %d, %d bytes", res.StatusCode, n)
		}
		return err
	}
	// Warm up: every connection opened, its leaf minted.
	var wg sync.WaitGroup
	errs := make(chan error, c)
	for range c {
		wg.Go(func() {
			if err := get(); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}

	lat := make([][]time.Duration, c)
	var next sync.Mutex
	left := b.N
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := range c {
		wg.Go(func() {
			for {
				next.Lock()
				if left == 0 {
					next.Unlock()
					return
				}
				left--
				next.Unlock()
				t0 := time.Now()
				if err := get(); err != nil {
					b.Error(err)
					return
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		})
	}
	wg.Wait()
	cpu := cpuTime() - cpu0
	b.StopTimer()
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
	if c == 1 {
		all := lat[0]
		sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
		b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
	}
}

// benchBareMartian is a martian proxy that does nothing but forward:
// what siphon adds to it is the difference.
func benchBareMartian(b *testing.B, c int) {
	o := smallOrigin(false)
	defer o.Close()
	mp := martian.NewProxy()
	mp.SetRoundTripper(&http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 64})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go mp.Serve(l)
	defer mp.Close()
	drive(b, o, l.Addr().String(), nil, c)
}

func BenchmarkBareMartianHTTP32(b *testing.B) { benchBareMartian(b, 32) }
func BenchmarkBareMartianHTTP1(b *testing.B)  { benchBareMartian(b, 1) }

func BenchmarkKeepAliveHTTP32(b *testing.B)  { benchKeepAlive(b, false, 32) }
func BenchmarkKeepAliveHTTPS32(b *testing.B) { benchKeepAlive(b, true, 32) }
func BenchmarkKeepAliveHTTP1(b *testing.B)   { benchKeepAlive(b, false, 1) }
func BenchmarkKeepAliveHTTPS1(b *testing.B)  { benchKeepAlive(b, true, 1) }

// BenchmarkDirectHTTP1 is the c=1 baseline without the proxy: what siphon
// adds to the p50 is the difference.
func BenchmarkDirectHTTP1(b *testing.B) {
	o := smallOrigin(false)
	defer o.Close()
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	defer client.CloseIdleConnections()
	lat := make([]time.Duration, 0, b.N)
	ctx := context.Background()
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		t0 := time.Now()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, o.URL+"/small", nil)
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		lat = append(lat, time.Since(t0))
	}
	cpu := cpuTime() - cpu0
	b.StopTimer()
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
}
