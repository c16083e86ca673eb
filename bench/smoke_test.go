package main

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestSmokeRunMeasuresEveryScenario runs the benchmark as CI does (go run
// ./bench -smoke): siphon built from this repository as a child process,
// every scenario direct and through it, siphon's terminal UI in tmux
// against siphon dump, and the store in process. It checks that every
// figure was measured, that no request failed, that siphon's session
// files hold a flow for every request sent through them, and that the
// HTTP/2 scenarios got every answer over HTTP/2 on their connections. Without tmux,
// the UI scenario must say that it was skipped, and why.
func TestSmokeRunMeasuresEveryScenario(t *testing.T) {
	_, noTmux := exec.LookPath("tmux")
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
		if sc.ui && noTmux != nil {
			if len(res.runs) > 0 || len(res.notes) != 1 || !strings.Contains(res.notes[0], errNoTmux.Error()) {
				t.Errorf("%s without tmux: %d modes measured, notes %q; want none and the note %q", sc.key, len(res.runs), res.notes, errNoTmux)
			}
			t.Logf("%s skipped: %s", sc.key, errNoTmux)
			continue
		}
		if len(res.notes) > 0 {
			t.Errorf("%s: %s", sc.key, strings.Join(res.notes, "; "))
		}
		want := []mode{siphon}
		switch {
		case sc.proxies:
			want = append(want, direct)
		case sc.ui:
			want = append(want, tui)
		case sc.mcp:
			want = append(want, mcpCallers)
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
				proxyOnly := mt.key == "cpu" || mt.key == "cpuflow" || mt.key == "rss"
				elsewhere := mt.only != "" && mt.only != md
				if _, ok := mt.aggregate(runs); !ok && !(proxyOnly && md == direct) && !elsewhere {
					t.Errorf("%s via %s: no %s", sc.key, md, mt.label)
				}
			}
		}
		if len(res.runs[mitmdump]) > 0 {
			t.Errorf("%s: the smoke run measured mitmdump", sc.key)
		}
		if sc.h2Conns > 0 {
			// The HTTP/2 scenarios must really speak HTTP/2, on the
			// connections they say.
			if line, ok := h2Check(res); !ok {
				t.Errorf("%s", line)
			}
		}
		for _, md := range want {
			if md == direct || !(sc.proxies || sc.ui || sc.mcp) {
				continue
			}
			if res.expected[md] == 0 || res.stored[md] != res.expected[md] {
				t.Errorf("%s: the session of %s holds %d flows, %d were sent through it", sc.key, md, res.stored[md], res.expected[md])
			}
			if res.storedMsgs[md] != res.expectedMsgs[md] {
				t.Errorf("%s: the session of %s holds %d WebSocket messages, %d were sent through it", sc.key, md, res.storedMsgs[md], res.expectedMsgs[md])
			}
			if strings.HasPrefix(sc.key, "ws") && res.expectedMsgs[md] == 0 {
				t.Errorf("%s: no WebSocket message counted through %s", sc.key, md)
			}
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
	if !strings.Contains(report, "| without callers | with MCP callers | with vs without |") {
		t.Errorf("report lacks the table of siphon with MCP callers against without:\n%s", report)
	}
	if noTmux == nil && !strings.Contains(report, "| siphon dump | siphon TUI | TUI vs dump |") {
		t.Errorf("report lacks the table of siphon's UI against siphon dump:\n%s", report)
	}
	for _, sc := range scenarios(smokePlan()) {
		if sc.ui && noTmux != nil {
			continue
		}
		if !strings.Contains(report, "| "+sc.title+" |") {
			t.Errorf("report has no row for %s", sc.title)
		}
	}
}
