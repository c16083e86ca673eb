package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/siphonproxy/siphon/bench/internal/load"
	"github.com/siphonproxy/siphon/bench/internal/origin"
)

// scenario is one thing measured in every mode.
type scenario struct {
	key   string // for -only and progress lines
	title string
	// proxies: run direct, through siphon and through mitmdump. Without,
	// the scenario measures siphon's own parts in this process.
	proxies bool
	// ui: run through siphon dump and through siphon with its terminal UI
	// open (tui.go) instead.
	ui bool
	// h2Conns is, for an HTTP/2 scenario, the connections each repetition
	// must open (the checks verify them and the protocol); 0 otherwise.
	h2Conns int
	via     via  // how clients reach the proxies (listen.go)
	mcp     bool // through siphon dump --mcp, without and with MCP callers (mcpload.go)
	metrics []metric
	reps    int           // repetitions whatever the plan says, when not 0
	timeout time.Duration // bound on a repetition instead of plan.legTimeout, when not 0
	run     func(ctx context.Context, e *env, l *leg, rep int) (measurement, error)
}

// summary is a progress line's worth of m.
func (sc *scenario) summary(m measurement) string {
	var parts []string
	for _, mt := range sc.metrics {
		if v, ok := m.values[mt.key]; ok {
			parts = append(parts, mt.label+" "+mt.format(v))
		}
	}
	if m.errors > 0 {
		parts = append(parts, fmt.Sprintf("%d errors (%s)", m.errors, m.firstErr))
	}
	return strings.Join(parts, ", ")
}

// Rows shared by the load scenarios.
var (
	cpuMetric = metric{key: "cpu", label: "proxy CPU", unit: "%", prec: 0}
	p50Metric = metric{key: "p50", label: "p50", unit: "ms", prec: 3, vs: delta}
	p99Metric = metric{key: "p99", label: "p99", unit: "ms", prec: 3, vs: delta}
)

// scenarios are the benchmark's scenarios, in the order they run, with
// their sizes from p.
func scenarios(p plan) []*scenario {
	return []*scenario{
		loadScenario("http-c1", "HTTP keep-alive /small, c=1", false, false, 1),
		loadScenario("http-c32", "HTTP keep-alive /small, c=32", false, false, 32,
			timesOf(0.3, direct), timesOf(8, mitmdump)),
		uiScenario(),
		loadScenario("https-c32", "HTTPS (MITM) keep-alive /small, c=32", true, false, 32,
			timesOf(0.3, direct), timesOf(8, mitmdump)),
		h2Scenario("h2-c32-1conn", 1),
		h2Scenario("h2-c32-8conn", 8),
		loadScenario("https-new", "HTTPS new connection per request", true, true, 0,
			timesOf(0.3, direct), timesOf(2, mitmdump)),
		hostsScenario(),
		downloadScenario(p, false),
		h2DownloadScenario(p),
		sseScenario(),
		echoScenario(),
		loadScenario("reverse-https", "HTTPS keep-alive /small, c=32, reverse mode", true, false, 32).over(viaReverse),
		loadScenario("socks5-https-newconn", "HTTPS new connection per request, SOCKS5", true, true, 0).over(viaSOCKS5),
		wsStreamScenario(p),
		mcpLoadScenario(),
		storeScenario(p),
		scaleScenario(p),
	}
}

// loadScenario is /small at a fixed concurrency for the plan's duration;
// c == 0 takes the plan's new-connection concurrency.
func loadScenario(key, title string, https, newConn bool, c int, targets ...target) *scenario {
	rps := metric{key: "rps", label: "req/s", prec: 0, vs: ratio, targets: targets}
	return &scenario{
		key: key, title: title, proxies: true,
		metrics: []metric{rps, p50Metric, p99Metric, cpuMetric},
		run: func(ctx context.Context, e *env, l *leg, rep int) (measurement, error) {
			base := e.origin.HTTPURL
			if https {
				base = l.httpsURL(e)
			}
			conc := c
			if conc == 0 {
				conc = e.plan.newConnC
			}
			r, err := load.Run(ctx, l.target, load.Config{URL: base + "/small", Concurrency: conc,
				Warmup: e.plan.warmup, Duration: e.plan.duration, NewConn: newConn, WantBytes: origin.SmallSize})
			if err != nil {
				return measurement{}, err
			}
			m := fromResult(r)
			m.values["rps"] = r.RPS()
			m.values["p50"] = ms(r.Percentile(50))
			m.values["p99"] = ms(r.Percentile(99))
			return m, nil
		},
	}
}

// hostsScenario fetches /small over a new HTTPS connection once for each
// of plan.newHosts names the proxy has never seen, then as often for one
// name it has: the difference of the medians is what a new host costs.
func hostsScenario() *scenario {
	return &scenario{
		key: "new-hosts", title: "HTTPS never-seen host names, one request each", proxies: true,
		metrics: []metric{
			{key: "new", label: "new host p50", unit: "ms", prec: 3, vs: delta},
			{key: "known", label: "known host p50", unit: "ms", prec: 3, vs: delta},
			{key: "extra", label: "extra per new host", unit: "ms", prec: 3, vs: delta,
				targets: []target{below(1.5, "ms")}},
		},
		run: func(ctx context.Context, e *env, l *leg, rep int) (measurement, error) {
			u := e.origin.HTTPSURL + "/small"
			fresh := make([]string, e.plan.newHosts)
			known := make([]string, e.plan.newHosts)
			for i := range fresh {
				// Unique to this repetition and mode: never seen by anyone.
				fresh[i] = fmt.Sprintf("n%d-r%d-%s.%s", i, rep, l.mode, origin.Domain)
				known[i] = "known." + origin.Domain
			}
			warm := load.Hosts(ctx, l.target, u, known[:1], origin.SmallSize)
			a := load.Hosts(ctx, l.target, u, fresh, origin.SmallSize)
			b := load.Hosts(ctx, l.target, u, known, origin.SmallSize)
			m := fromResult(a)
			m.requests += b.Requests
			m.errors += b.Errors + warm.Errors
			if m.firstErr == "" {
				m.firstErr = b.FirstErr + warm.FirstErr
			}
			m.flows = a.Requests + b.Requests + warm.Requests
			m.values["new"] = ms(a.Percentile(50))
			m.values["known"] = ms(b.Percentile(50))
			m.values["extra"] = m.values["new"] - m.values["known"]
			return m, nil
		},
	}
}

// downloadScenario is one large HTTPS download through the MITM, over
// HTTP/2 on both sides with h2.
func downloadScenario(p plan, h2 bool) *scenario {
	originURL := func(e *env) string { return e.origin.HTTPSURL }
	if h2 {
		originURL = func(e *env) string { return e.origin.H2URL }
	}
	return &scenario{
		key: "download", title: fmt.Sprintf("HTTPS %d MiB download (MITM)", p.downloadMB), proxies: true,
		metrics: []metric{
			{key: "mibps", label: "throughput", unit: "MiB/s", prec: 0, vs: ratio,
				targets: []target{timesOf(0.3, direct)}},
			{key: "rss", label: "proxy peak RSS", unit: "MiB", prec: 1, peak: true,
				targets: []target{below(100, "MiB")}},
			cpuMetric,
		},
		run: func(ctx context.Context, e *env, l *leg, rep int) (measurement, error) {
			size := int64(e.plan.downloadMB) << 20
			r, err := load.Run(ctx, l.target, load.Config{URL: fmt.Sprintf("%s/big?mb=%d", originURL(e), e.plan.downloadMB),
				Concurrency: 1, MaxRequests: 1, WantBytes: size, HTTP2: h2})
			if err != nil {
				return measurement{}, err
			}
			m := fromResult(r)
			m.values["mibps"] = r.MiBps()
			return m, nil
		},
	}
}

// sseScenario times the first server-sent event of streams whose events
// come plan.sseGap apart: a proxy that buffers the stream holds it back.
func sseScenario() *scenario {
	return &scenario{
		key: "sse", title: "Server-sent events: time to first event", proxies: true,
		metrics: []metric{{key: "first", label: "first event p50", unit: "ms", prec: 2, vs: delta,
			targets: []target{withinOfDirect(10, "ms")}}},
		run: func(ctx context.Context, e *env, l *leg, rep int) (measurement, error) {
			u := fmt.Sprintf("%s/sse?n=%d&gap=%s", e.origin.HTTPURL, e.plan.sseEvents, e.plan.sseGap)
			r := load.FirstEvents(ctx, l.target, u, e.plan.sseReqs, e.plan.sseEvents)
			m := fromResult(r)
			m.values["first"] = ms(r.Percentile(50))
			return m, nil
		},
	}
}

// echoScenario times WebSocket round trips over one connection, siphon
// capturing every message (its default): the run checks its session holds
// them all.
func echoScenario() *scenario {
	return &scenario{
		key: "ws", title: "WebSocket echo round trip (64 B), messages captured", proxies: true,
		metrics: []metric{
			{key: "p50", label: "round trip p50", unit: "ms", prec: 3, vs: delta, targets: []target{below(0.3, "ms")}},
			{key: "p99", label: "round trip p99", unit: "ms", prec: 3, vs: delta},
		},
		run: func(ctx context.Context, e *env, l *leg, rep int) (measurement, error) {
			u := "ws" + strings.TrimPrefix(e.origin.HTTPURL, "http") + "/ws"
			r, err := load.Echo(ctx, l.target, u, e.plan.echoes, e.plan.echoSize)
			if err != nil {
				return measurement{}, err
			}
			m := fromResult(r)
			m.flows = 1 // the upgrade; messages are counted inside it
			m.messages = 2 * (r.Requests - r.Errors)
			m.values["p50"] = ms(r.Percentile(50))
			m.values["p99"] = ms(r.Percentile(99))
			return m, nil
		},
	}
}
