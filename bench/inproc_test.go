package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/bench/internal/load"
	"github.com/siphonproxy/siphon/bench/internal/origin"
	"github.com/siphonproxy/siphon/certs"
	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/internal/testutil/certstest"
	"github.com/siphonproxy/siphon/mitm"
	"github.com/siphonproxy/siphon/replay"
	"github.com/siphonproxy/siphon/session"
)

// The benchmarks below drive siphon's proxy in this process, recording
// into a real session file, so that "go test -cpuprofile" shows where a
// scenario of the load benchmark spends its time. Client and origin run
// in the same process: read the profile for the mitm, martian, session
// and certs frames.

// inproc is a proxy, its store and an origin, all on loopback.
type inproc struct {
	origin *origin.Server
	store  *session.Store
	engine *intercept.Engine // nil unless set up as for the UI
	target load.Target
}

// inprocSetup says how the proxy is set up.
type inprocSetup struct {
	// asUI sets it up as siphon's UI command does (cmd/siphon/tui.go): a
	// rules engine without rules decides every flow, and a replay Marker
	// stands in front of the store.
	asUI bool
	// originDial, when set, opens the proxy's connections to the origin
	// (an emulated slow link).
	originDial func(ctx context.Context, network, addr string) (net.Conn, error)
}

func startInproc(b *testing.B, setup inprocSetup) *inproc {
	b.Helper()
	dir := b.TempDir()
	o, err := origin.Start(dir)
	if err != nil {
		b.Fatal(err)
	}
	minter := certstest.NewMinter(b, certs.DefaultCacheSize)
	store, err := session.Open(filepath.Join(dir, "session.db"), session.Options{})
	if err != nil {
		b.Fatal(err)
	}
	cfg := mitm.Config{Recorder: store, Minter: minter, RootCAs: o.Pool(), DialContext: setup.originDial}
	var engine *intercept.Engine
	if setup.asUI {
		engine = intercept.New(intercept.Config{})
		cfg.Recorder, cfg.Decider = replay.NewMarker(store), engine
	}
	p, err := mitm.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		p.Serve(l)
	}()
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		p.Shutdown(ctx)
		<-served
		if err := store.Close(); err != nil {
			b.Error(err)
		}
		o.Close(ctx)
	})
	return &inproc{origin: o, store: store, engine: engine,
		target: load.Target{Proxy: &url.URL{Scheme: "http", Host: l.Addr().String()}, Roots: minter.CA().Pool()}}
}

// drive runs b.N requests of cfg through the proxy, fails on any error,
// and checks that the store recorded every one of them.
func (ip *inproc) drive(b *testing.B, cfg load.Config) *load.Result {
	b.Helper()
	cfg.MaxRequests = b.N
	cfg.Duration = 0
	before := ip.store.Len()
	b.ResetTimer()
	r, err := load.Run(context.Background(), ip.target, cfg)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if r.Errors > 0 || r.Requests != b.N {
		b.Fatalf("%d of %d requests failed: %s", r.Errors, r.Requests, r.FirstErr)
	}
	// The proxy adds a flow when it reads the request, so every request
	// the client completed is in the store (with the requests that open
	// an HTTP/2 run's connections, counted as warm-up ones).
	if got := ip.store.Len() - before; got != b.N+r.Warm {
		b.Fatalf("store holds %d flows for %d requests", got, b.N+r.Warm)
	}
	b.ReportMetric(r.RPS(), "req/s")
	return r
}

// warm makes one request of cfg so that connections and leaves exist.
func (ip *inproc) warm(b *testing.B, cfg load.Config) {
	b.Helper()
	cfg.MaxRequests, cfg.Duration = cfg.Concurrency, 0
	r, err := load.Run(context.Background(), ip.target, cfg)
	if err != nil || r.Errors > 0 {
		b.Fatalf("warm-up: %v %s", err, r.FirstErr)
	}
}

func benchSmall(b *testing.B, https, newConn bool, c int) {
	ip := startInproc(b, inprocSetup{})
	base := ip.origin.HTTPURL
	if https {
		base = ip.origin.HTTPSURL
	}
	cfg := load.Config{URL: base + "/small", Concurrency: c, NewConn: newConn, WantBytes: origin.SmallSize}
	ip.warm(b, cfg)
	ip.drive(b, cfg)
}

// BenchmarkProxyHTTPKeepAlive is the http-c32 scenario.
func BenchmarkProxyHTTPKeepAlive(b *testing.B) { benchSmall(b, false, false, 32) }

// BenchmarkProxyHTTPSKeepAlive is the https-c32 scenario.
func BenchmarkProxyHTTPSKeepAlive(b *testing.B) { benchSmall(b, true, false, 32) }

// BenchmarkProxyHTTPSNewConn is the https-new scenario.
func BenchmarkProxyHTTPSNewConn(b *testing.B) { benchSmall(b, true, true, 8) }

// BenchmarkProxyNewHost fetches over a new connection for a host name the
// proxy has never seen, each iteration: a leaf mint plus the handshakes.
func BenchmarkProxyNewHost(b *testing.B) {
	ip := startInproc(b, inprocSetup{})
	names := make([]string, b.N)
	for i := range names {
		names[i] = fmt.Sprintf("n%d.%s", i, origin.Domain)
	}
	b.ResetTimer()
	r := load.Hosts(context.Background(), ip.target, ip.origin.HTTPSURL+"/small", names, origin.SmallSize)
	b.StopTimer()
	if r.Errors > 0 {
		b.Fatalf("%d of %d requests failed: %s", r.Errors, r.Requests, r.FirstErr)
	}
	b.ReportMetric(ms(r.Percentile(50)), "p50-ms")
}

// BenchmarkProxyDownload streams 64 MiB over HTTPS through the MITM per
// iteration (the download scenario, shorter).
func BenchmarkProxyDownload(b *testing.B) {
	const mib = 64
	ip := startInproc(b, inprocSetup{})
	b.SetBytes(mib << 20)
	r := ip.drive(b, load.Config{URL: fmt.Sprintf("%s/big?mb=%d", ip.origin.HTTPSURL, mib), Concurrency: 1, WantBytes: mib << 20})
	b.ReportMetric(r.MiBps(), "MiB/s")
}

// BenchmarkStoreRecord records flows as the proxy does (add, then two
// updates) and waits for them to be committed.
func BenchmarkStoreRecord(b *testing.B) {
	fps, heap, err := recordFlows(context.Background(), filepath.Join(b.TempDir(), "s.db"), b.N)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(fps, "flows/s")
	b.ReportMetric(heap, "heap-B/flow")
}
