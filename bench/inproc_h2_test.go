package main

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/bench/internal/load"
	"github.com/siphonproxy/siphon/bench/internal/origin"
)

func benchH2Small(b *testing.B, conns int) {
	ip := startInproc(b, inprocSetup{})
	cfg := load.Config{URL: ip.origin.H2URL + "/small", Concurrency: 32, Conns: conns, HTTP2: true, WantBytes: origin.SmallSize}
	ip.drive(b, cfg)
}

// BenchmarkProxyH2KeepAlive is the h2-c32-1conn scenario.
func BenchmarkProxyH2KeepAlive(b *testing.B) { benchH2Small(b, 1) }

// BenchmarkProxyH2KeepAlive8 is the h2-c32-8conn scenario.
func BenchmarkProxyH2KeepAlive8(b *testing.B) { benchH2Small(b, 8) }

// BenchmarkProxyH2Download streams 64 MiB over HTTP/2 on both sides per
// iteration (the h2-download scenario, shorter).
func BenchmarkProxyH2Download(b *testing.B) {
	const mib = 64
	ip := startInproc(b, inprocSetup{})
	b.SetBytes(mib << 20)
	r := ip.drive(b, load.Config{URL: fmt.Sprintf("%s/big?mb=%d", ip.origin.H2URL, mib), Concurrency: 1,
		HTTP2: true, WantBytes: mib << 20})
	b.ReportMetric(r.MiBps(), "MiB/s")
}

// linkRTT is the round trip of the emulated long-distance link to the
// origin in BenchmarkH2DownloadOverSlowLink.
const linkRTT = 100 * time.Millisecond

// clientWindow is the per-stream receive window of the client there:
// browsers and curl use larger ones than Go's 4 MiB (Chrome 6 MiB,
// Firefox 12 MiB, curl 7.88 32 MiB).
const clientWindow = 16 << 20

// BenchmarkH2DownloadOverSlowLink downloads 64 MiB over HTTP/2 from an
// origin one linkRTT away, directly and through siphon, by a client whose
// receive window is clientWindow. On such a link a download moves at most
// one window per round trip, so this shows whether siphon's windows
// toward the origin throttle a download the client alone would not.
func BenchmarkH2DownloadOverSlowLink(b *testing.B) {
	const mib = 64
	h2 := &http.HTTP2Config{MaxReceiveBufferPerStream: clientWindow, MaxReceiveBufferPerConnection: 4 * clientWindow}
	cfg := load.Config{Concurrency: 1, HTTP2: true, WantBytes: mib << 20}
	b.Run("direct", func(b *testing.B) {
		o, err := origin.Start(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		defer o.Close(context.Background())
		cfg.URL, cfg.MaxRequests = fmt.Sprintf("%s/big?mb=%d", o.H2URL, mib), b.N
		b.SetBytes(mib << 20)
		b.ResetTimer()
		r, err := load.Run(context.Background(), load.Target{Roots: o.Pool(), Dial: slowLink(linkRTT), HTTP2: h2}, cfg)
		b.StopTimer()
		if err != nil || r.Errors > 0 {
			b.Fatalf("%v %s", err, r.FirstErr)
		}
		b.ReportMetric(r.MiBps(), "MiB/s")
	})
	b.Run("siphon", func(b *testing.B) {
		ip := startInproc(b, inprocSetup{originDial: slowLink(linkRTT)})
		ip.target.HTTP2 = h2
		cfg.URL = fmt.Sprintf("%s/big?mb=%d", ip.origin.H2URL, mib)
		b.SetBytes(mib << 20)
		r := ip.drive(b, cfg)
		b.ReportMetric(r.MiBps(), "MiB/s")
	})
}
