package filter

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/session"
)

// syntheticFlows returns n varied flows, the same on every call.
func syntheticFlows(n int) []*session.Flow {
	rng := rand.New(rand.NewPCG(1, 2))
	methods := []string{"GET", "GET", "GET", "GET", "GET", "GET", "GET", "POST", "POST", "PUT", "DELETE"}
	hosts := []string{"example.com", "api.example.com", "cdn.example.net", "tracker.ads.test", "www.siphon.dev", "auth.example.org"}
	paths := []string{"/", "/api/v1/users/%d", "/api/v2/orders/%d?expand=items", "/static/app.%d.js", "/img/%d.png", "/login"}
	types := []string{"application/json", "text/html; charset=utf-8", "text/javascript", "image/png", "text/css"}
	statuses := []int{200, 200, 200, 200, 201, 204, 301, 304, 404, 500}
	flows := make([]*session.Flow, n)
	for i := range flows {
		start := t0.Add(time.Duration(i) * time.Millisecond)
		url := "https://" + hosts[rng.IntN(len(hosts))] + fmt.Sprintf(paths[rng.IntN(len(paths))], rng.IntN(100000))
		f := &session.Flow{
			ID:     fmt.Sprintf("f%d", i),
			Seq:    int64(i + 1),
			State:  session.Done,
			Client: session.Peer{Addr: fmt.Sprintf("127.0.0.1:%d", 40000+i%20000)},
			Server: session.Peer{Addr: "93.184.216.34:443"},
			Request: &session.Request{
				Method: methods[rng.IntN(len(methods))],
				URL:    url,
				Proto:  "HTTP/1.1",
				Header: http.Header{"User-Agent": {"Mozilla/5.0"}, "Accept": {"*/*"}, "Cookie": {"session=abc"}},
			},
			Response: &session.Response{
				Status: statuses[rng.IntN(len(statuses))],
				Proto:  "HTTP/1.1",
				Header: http.Header{
					"Content-Type":  {types[rng.IntN(len(types))]},
					"Server":        {"nginx"},
					"Cache-Control": {"max-age=60"},
					"Date":          {"Sat, 01 Mar 2025 12:00:00 GMT"},
				},
				Body: session.Body{Size: rng.Int64N(2 << 20), Unloaded: true},
			},
			Timings: session.Timings{RequestReceived: start, Complete: start.Add(time.Duration(rng.IntN(2000)) * time.Millisecond)},
		}
		if i%50 == 0 {
			f.Response, f.Err = nil, &session.Error{Phase: session.PhaseDial, Msg: "refused"}
		}
		flows[i] = f
	}
	return flows
}

// benchExprs are typical filters: the first is the common shape of method,
// host and status; then a URL regex, an anchored host regex, a bare word, a
// header, status or error, and the numeric operators.
var benchExprs = []string{
	"~m POST & ~d example & ~c 200",
	`~u /api/v[0-9]+/users`,
	`~d "^api\.example\.com$"`,
	"users",
	"~h nginx",
	"~c >=400 | ~e",
	"!~a & ~dur >500ms & ~size >1MB",
}

// BenchmarkMatch100k matches typical expressions over 100,000 flows; one op
// is a pass over all of them, and ns/flow is the cost of one Match. The
// flows do not fit in the CPU's caches, so this includes memory latency.
func BenchmarkMatch100k(b *testing.B) { benchMatch(b, 100_000) }

// BenchmarkMatch1k is BenchmarkMatch100k over 1,000 flows, which stay in
// cache: what is left is the cost of matching itself.
func BenchmarkMatch1k(b *testing.B) { benchMatch(b, 1000) }

func benchMatch(b *testing.B, n int) {
	flows := syntheticFlows(n)
	for _, expr := range benchExprs {
		f, err := Parse(expr)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(expr, func(b *testing.B) {
			b.ReportAllocs()
			matched := 0
			for b.Loop() {
				matched = 0
				for _, fl := range flows {
					if f.Match(fl) {
						matched++
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(flows)), "ns/flow")
			b.ReportMetric(float64(matched), "matched")
		})
	}
}

// BenchmarkHost compares session.Flow.Host, which parses the whole URL,
// with hostOf, which ~d uses.
func BenchmarkHost(b *testing.B) {
	flows := syntheticFlows(1000)
	b.Run("Flow.Host", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			_ = flows[i%len(flows)].Host()
		}
	})
	b.Run("hostOf", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			_ = hostOf(flows[i%len(flows)].Request.URL)
		}
	})
}

// BenchmarkParse measures compiling a typical expression.
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(`~m POST & ~d example & ~c 200 | ~u "/api/v[0-9]+/users" !~a ~dur >500ms`); err != nil {
			b.Fatal(err)
		}
	}
}
