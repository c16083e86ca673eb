package mitm

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
)

// throttledDownload fetches size bytes through a proxy whose rules throttle
// everything to bandwidth and latency, and returns how long it took.
func throttledDownload(tb testing.TB, size int, rule string) (time.Duration, *testProxy, string) {
	tb.Helper()
	payload := bytes.Repeat([]byte("s"), size)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(payload) }))
	tb.Cleanup(origin.Close)
	rules, err := intercept.Parse([]byte(rule), "throttle.yaml", ".")
	if err != nil {
		tb.Fatal(err)
	}
	e := intercept.New(intercept.Config{})
	for _, r := range rules {
		if _, err := e.AddRule(r); err != nil {
			tb.Fatal(err)
		}
	}
	tp := startProxy(tb, Config{Decider: e})
	url := origin.URL + "/download"
	start := time.Now()
	res, err := tp.client().Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	elapsed := time.Since(start)
	if err != nil || n != int64(size) {
		tb.Fatalf("downloaded %d of %d bytes: %v", n, size, err)
	}
	return elapsed, tp, url
}

func TestThrottleSlowsTransfers(t *testing.T) {
	// 64 KiB at 1 Mbit is 524 ms of transfer, plus 200 ms of latency. A
	// rate limiter can only make a transfer slower than its rate, never
	// faster, so the lower bound holds on any machine however loaded; how
	// close it comes to the expected time is BenchmarkThrottle's business.
	const size = 64 << 10
	elapsed, tp, url := throttledDownload(t, size, `
- name: 3g
  match: ~all
  throttle: {latency: 200ms, bandwidth: 1mbit}
`)
	transfer := time.Duration(float64(size*8) / 1e6 * float64(time.Second))
	if min := 200*time.Millisecond + transfer*9/10; elapsed < min {
		t.Errorf("64 KiB at 1 Mbit with 200ms latency took %v, less than %v", elapsed, min)
	}
	f := tp.rec.wait(t, "throttled", finalFor(url))
	if f.State != session.Done || f.Response.Body.Size != size {
		t.Errorf("flow: %v size %d", f.State, f.Response.Body.Size)
	}
	if got := session.Span(f.Timings.RequestReceived, f.Timings.Complete); got < transfer*9/10 {
		t.Errorf("recorded duration %v is shorter than the throttled transfer", got)
	}
}

func TestThrottleSlowsUploads(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		w.Write([]byte(strings.Repeat("k", int(n%7))))
	}))
	defer origin.Close()
	e := rulesEngine(t, intercept.Config{}, "- name: up\n  match: ~m POST\n  throttle: {bandwidth: 512kbit}\n")
	tp := startProxy(t, Config{Decider: e})
	const size = 32 << 10 // 512 ms at 512 kbit
	start := time.Now()
	res, err := tp.client().Post(origin.URL+"/up", "application/octet-stream", bytes.NewReader(make([]byte, size)))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if elapsed, min := time.Since(start), 460*time.Millisecond; elapsed < min {
		t.Errorf("32 KiB upload at 512 kbit took %v, less than %v", elapsed, min)
	}
}

// BenchmarkThrottle256KiBAt1Mbit measures the transfer time of a 256 KiB
// body through a 1 Mbit throttle and reports it against the expected
// 2.097 s (ratio should be near 1: within a factor of two is the bar).
func BenchmarkThrottle256KiBAt1Mbit(b *testing.B) {
	const size = 256 << 10
	expected := float64(size*8) / 1e6
	var total time.Duration
	for b.Loop() {
		elapsed, _, _ := throttledDownload(b, size, "- name: 1mbit\n  match: ~all\n  throttle: {bandwidth: 1mbit}\n")
		total += elapsed
	}
	secs := total.Seconds() / float64(b.N)
	b.ReportMetric(secs, "s/transfer")
	b.ReportMetric(secs/expected, "ratio")
}
