package load_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/bench/internal/load"
	"github.com/siphonproxy/siphon/bench/internal/origin"
)

func startOrigin(t *testing.T) *origin.Server {
	t.Helper()
	o, err := origin.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		o.Close(ctx)
	})
	return o
}

func TestRunCountsRequestsAndChecksBodies(t *testing.T) {
	o := startOrigin(t)
	direct := load.Target{Roots: o.Pool()}
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		url     string
		newConn bool
	}{
		{"http keep-alive", o.HTTPURL + "/small", false},
		{"https keep-alive", o.HTTPSURL + "/small", false},
		{"https new connection", o.HTTPSURL + "/small", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := load.Run(ctx, direct, load.Config{URL: tc.url, Concurrency: 4, MaxRequests: 40,
				Duration: 10 * time.Second, NewConn: tc.newConn, WantBytes: origin.SmallSize})
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests != 40 || res.Errors != 0 {
				t.Fatalf("%d requests, %d errors (%s); want 40 and 0", res.Requests, res.Errors, res.FirstErr)
			}
			if res.Bytes != 40*origin.SmallSize || len(res.Latencies) != 40 || res.RPS() <= 0 {
				t.Fatalf("bytes %d, %d latencies, %.0f req/s", res.Bytes, len(res.Latencies), res.RPS())
			}
			if res.Percentile(50) > res.Percentile(99) || res.Percentile(99) != res.Latencies[39] {
				t.Fatalf("percentiles out of order: p50 %v p99 %v max %v", res.Percentile(50), res.Percentile(99), res.Latencies[39])
			}
		})
	}
}

func TestRunReportsWrongAnswersAsErrors(t *testing.T) {
	o := startOrigin(t)
	res, err := load.Run(context.Background(), load.Target{Roots: o.Pool()}, load.Config{
		URL: o.HTTPURL + "/big?mb=99999", Concurrency: 2, MaxRequests: 4, Duration: 10 * time.Second, WantBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 4 || !strings.Contains(res.FirstErr, "400") {
		t.Fatalf("%d errors (%q), want 4 errors naming status 400", res.Errors, res.FirstErr)
	}
	res, err = load.Run(context.Background(), load.Target{Roots: o.Pool()}, load.Config{
		URL: o.HTTPURL + "/big?mb=1", Concurrency: 1, MaxRequests: 1, Duration: 10 * time.Second, WantBytes: 5})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 1 || !strings.Contains(res.FirstErr, "want 5") {
		t.Fatalf("%d errors (%q), want a length mismatch", res.Errors, res.FirstErr)
	}
}

// An HTTP/2 run shares Conns connections among its workers, and counts an
// answer over another protocol as a failure.
func TestRunHTTP2SharesConnections(t *testing.T) {
	o := startOrigin(t)
	direct := load.Target{Roots: o.Pool()}
	for _, conns := range []int{1, 4} {
		res, err := load.Run(context.Background(), direct, load.Config{URL: o.H2URL + "/small", Concurrency: 8,
			Conns: conns, MaxRequests: 200, Duration: 10 * time.Second, WantBytes: origin.SmallSize, HTTP2: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Errors != 0 || res.Requests+res.Warm != 200+conns || res.Protos["HTTP/2.0"] != res.Requests || res.Conns != conns {
			t.Fatalf("%d connections: %d requests (+%d warm-up), %d errors (%s), protocols %v, %d connections opened",
				conns, res.Requests, res.Warm, res.Errors, res.FirstErr, res.Protos, res.Conns)
		}
	}
	// The HTTP/1.1-only listener cannot be reached over HTTP/2.
	res, err := load.Run(context.Background(), direct, load.Config{URL: o.HTTPSURL + "/small", Concurrency: 1,
		MaxRequests: 1, Duration: 10 * time.Second, WantBytes: origin.SmallSize, HTTP2: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 1 || res.Protos["HTTP/2.0"] != 0 {
		t.Fatalf("HTTP/2 to an HTTP/1.1-only origin: %d errors (%s), protocols %v", res.Errors, res.FirstErr, res.Protos)
	}
	// Without HTTP2, the same listener answers over HTTP/1.1.
	res, err = load.Run(context.Background(), direct, load.Config{URL: o.H2URL + "/small", Concurrency: 3,
		MaxRequests: 30, Duration: 10 * time.Second, WantBytes: origin.SmallSize})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 0 || res.Protos["HTTP/1.1"] != 30 || res.Conns < 1 {
		t.Fatalf("HTTP/1.1: %d errors (%s), protocols %v, %d connections", res.Errors, res.FirstErr, res.Protos, res.Conns)
	}
}

func TestRunRejectsUnboundedConfig(t *testing.T) {
	if _, err := load.Run(context.Background(), load.Target{}, load.Config{URL: "http://127.0.0.1:1/", Concurrency: 1}); err == nil {
		t.Fatal("a run without duration or count was accepted")
	}
}

func TestDownloadStreamsEveryByte(t *testing.T) {
	o := startOrigin(t)
	res, err := load.Run(context.Background(), load.Target{Roots: o.Pool()}, load.Config{
		URL: o.HTTPSURL + "/big?mb=8", Concurrency: 1, MaxRequests: 1, WantBytes: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 0 || res.Bytes != 8<<20 || res.MiBps() <= 0 {
		t.Fatalf("errors %d (%s), bytes %d, %.1f MiB/s", res.Errors, res.FirstErr, res.Bytes, res.MiBps())
	}
}

func TestHostsPresentsEachName(t *testing.T) {
	o := startOrigin(t)
	var names []string
	for i := range 5 {
		names = append(names, fmt.Sprintf("h%d.%s", i, origin.Domain))
	}
	res := load.Hosts(context.Background(), load.Target{Roots: o.Pool()}, o.HTTPSURL+"/small", names, origin.SmallSize)
	if res.Requests != 5 || res.Errors != 0 {
		t.Fatalf("%d requests, %d errors (%s)", res.Requests, res.Errors, res.FirstErr)
	}
	// A name outside the certificate must fail verification: the client
	// really checks what it is given.
	res = load.Hosts(context.Background(), load.Target{Roots: o.Pool()}, o.HTTPSURL+"/small", []string{"elsewhere.example"}, origin.SmallSize)
	if res.Errors != 1 || !strings.Contains(res.FirstErr, "certificate") {
		t.Fatalf("foreign name: %d errors (%q), want a certificate error", res.Errors, res.FirstErr)
	}
}

func TestFirstEventsCountsTheStream(t *testing.T) {
	o := startOrigin(t)
	res := load.FirstEvents(context.Background(), load.Target{}, o.HTTPURL+"/sse?n=3&gap=1ms", 2, 3)
	if res.Requests != 2 || res.Errors != 0 {
		t.Fatalf("%d requests, %d errors (%s)", res.Requests, res.Errors, res.FirstErr)
	}
	res = load.FirstEvents(context.Background(), load.Target{}, o.HTTPURL+"/sse?n=2&gap=1ms", 1, 3)
	if res.Errors != 1 || !strings.Contains(res.FirstErr, "2 events") {
		t.Fatalf("short stream: %d errors (%q)", res.Errors, res.FirstErr)
	}
}

func TestEchoRoundTrips(t *testing.T) {
	o := startOrigin(t)
	ws := "ws" + strings.TrimPrefix(o.HTTPURL, "http") + "/ws"
	res, err := load.Echo(context.Background(), load.Target{}, ws, 50, 64)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 50 || res.Errors != 0 || res.Bytes != 50*64 {
		t.Fatalf("%d round trips, %d errors (%s), %d bytes", res.Requests, res.Errors, res.FirstErr, res.Bytes)
	}
}

func TestStreamReadsEveryMessage(t *testing.T) {
	o := startOrigin(t)
	ws := "ws" + strings.TrimPrefix(o.HTTPURL, "http") + "/wsstream?size=32&n="
	res, err := load.Stream(context.Background(), load.Target{}, ws+"200", 200, 32)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 200 || res.Errors != 0 || res.Bytes != 200*32 || res.RPS() <= 0 {
		t.Fatalf("%d messages, %d errors (%s), %d bytes, %.0f/s", res.Requests, res.Errors, res.FirstErr, res.Bytes, res.RPS())
	}
	// A stream that ends early is an error, not a fast run.
	res, err = load.Stream(context.Background(), load.Target{}, ws+"5", 10, 32)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 5 || res.Errors != 1 || !strings.Contains(res.FirstErr, "after 5 of 10") {
		t.Fatalf("short stream: %d messages, %d errors (%s)", res.Requests, res.Errors, res.FirstErr)
	}
}
