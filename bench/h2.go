package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/siphonproxy/siphon/bench/internal/load"
	"github.com/siphonproxy/siphon/bench/internal/origin"
)

// h2Scenario is /small over HTTP/2 (client to proxy and proxy to origin)
// from 32 workers sharing conns connections, for the plan's duration.
// Its request rate is set against siphon's over HTTP/1.1 at the same
// concurrency (https-c32) as well as against mitmdump.
func h2Scenario(key string, conns int) *scenario {
	title := fmt.Sprintf("HTTPS h2 keep-alive /small, c=32 on %d connection", conns)
	if conns > 1 {
		title += "s"
	}
	rps := metric{key: "rps", label: "req/s", prec: 0, vs: ratio, targets: []target{
		timesOfSiphonIn(1, "https-c32", "HTTPS HTTP/1.1 c=32"), timesOf(8, mitmdump)}}
	return &scenario{
		key: key, title: title, proxies: true, h2Conns: conns,
		metrics: []metric{rps, p50Metric, p99Metric, cpuMetric},
		run: func(ctx context.Context, e *env, l *leg, rep int) (measurement, error) {
			r, err := load.Run(ctx, l.target, load.Config{URL: e.origin.H2URL + "/small", Concurrency: 32,
				Conns: conns, HTTP2: true, Warmup: e.plan.warmup, Duration: e.plan.duration, WantBytes: origin.SmallSize})
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

// h2DownloadScenario is one large download over HTTP/2 on both sides.
func h2DownloadScenario(p plan) *scenario {
	sc := downloadScenario(p, true)
	sc.key, sc.title = "h2-download", fmt.Sprintf("HTTPS h2 %d MiB download (origin h2, client h2)", p.downloadMB)
	sc.h2Conns = 1
	return sc
}

// h2Check says, for an HTTP/2 scenario, which protocols the answers came
// over and how many connections each repetition opened, by mode; ok is
// false unless every answer came over HTTP/2 on the scenario's number of
// connections.
func h2Check(res *scenarioResult) (line string, ok bool) {
	ok = true
	var parts []string
	for _, md := range modes {
		runs := res.runs[md]
		if len(runs) == 0 {
			continue
		}
		protos := map[string]int{}
		var conns []string
		for _, m := range runs {
			for p, n := range m.protos {
				protos[p] += n
			}
			conns = append(conns, fmt.Sprint(m.conns))
			if m.conns != res.sc.h2Conns {
				ok = false
			}
		}
		var ps []string
		for _, p := range slices.Sorted(maps.Keys(protos)) {
			ps = append(ps, fmt.Sprintf("%d over %s", protos[p], p))
			if p != "HTTP/2.0" {
				ok = false
			}
		}
		parts = append(parts, fmt.Sprintf("%s %s on %s connection(s)", md, strings.Join(ps, ", "), strings.Join(conns, "/")))
	}
	line = fmt.Sprintf("%s: answers %s", res.sc.key, strings.Join(parts, "; "))
	if !ok {
		line += fmt.Sprintf(" **(want HTTP/2.0 only, on %d connection(s) a repetition)**", res.sc.h2Conns)
	}
	return line, ok
}

// writeH2Checks writes h2Check's line for every HTTP/2 scenario of r and
// reports whether all were as they should be.
func (r *report) writeH2Checks(w io.Writer) bool {
	clean := true
	for _, res := range r.results {
		if res.sc.h2Conns == 0 {
			continue
		}
		line, ok := h2Check(res)
		clean = clean && ok
		fmt.Fprintf(w, "- %s\n", line)
	}
	return clean
}
