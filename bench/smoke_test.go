package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestSmokeRunMeasuresEveryScenario runs the benchmark as CI does (go run
// ./bench -smoke): siphon built from this repository as a child process,
// every scenario direct and through it, and the store in process. It
// checks that every figure was measured, that no request failed, and that
// siphon's session file holds a flow for every request sent through it.
func TestSmokeRunMeasuresEveryScenario(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var log bytes.Buffer
	r, err := run(ctx, options{smoke: true}, &log)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, log.String())
	}
	if len(r.results) != len(scenarios(smokePlan())) {
		t.Fatalf("%d scenarios ran, want %d", len(r.results), len(scenarios(smokePlan())))
	}
	for _, res := range r.results {
		sc := res.sc
		if len(res.notes) > 0 {
			t.Errorf("%s: %s", sc.key, strings.Join(res.notes, "; "))
		}
		want := []mode{siphon}
		if sc.proxies {
			want = append(want, direct)
		}
		for _, md := range want {
			runs := res.runs[md]
			if len(runs) != r.plan.reps {
				t.Errorf("%s via %s: %d repetitions, want %d", sc.key, md, len(runs), r.plan.reps)
				continue
			}
			for _, m := range runs {
				if m.errors > 0 || m.requests == 0 {
					t.Errorf("%s via %s: %d of %d requests failed: %s", sc.key, md, m.errors, m.requests, m.firstErr)
				}
			}
			for _, mt := range sc.metrics {
				proxyOnly := mt.key == "cpu" || mt.key == "rss"
				if _, ok := mt.aggregate(runs); !ok && !(proxyOnly && md == direct) {
					t.Errorf("%s via %s: no %s", sc.key, md, mt.label)
				}
			}
		}
		if len(res.runs[mitmdump]) > 0 {
			t.Errorf("%s: the smoke run measured mitmdump", sc.key)
		}
		if sc.proxies && (res.expected == 0 || res.stored != res.expected) {
			t.Errorf("%s: siphon's session holds %d flows, %d were sent through it", sc.key, res.stored, res.expected)
		}
	}
	var out bytes.Buffer
	r.write(&out)
	report := out.String()
	for _, want := range []string{"| scenario | metric | direct | siphon | mitmdump |", "SMOKE RUN", "siphon: siphon", "mitmdump column turned off"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	for _, sc := range scenarios(smokePlan()) {
		if !strings.Contains(report, "| "+sc.title+" |") {
			t.Errorf("report has no row for %s", sc.title)
		}
	}
}
