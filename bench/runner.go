package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/siphonproxy/siphon/bench/internal/load"
	"github.com/siphonproxy/siphon/bench/internal/origin"
)

// mode is one way of reaching the origin: a column of the table.
type mode string

const (
	direct   mode = "direct"
	siphon   mode = "siphon"
	mitmdump mode = "mitmdump"
)

var modes = []mode{direct, siphon, mitmdump}

// env is what every scenario runs with.
type env struct {
	plan      plan
	origin    *origin.Server
	siphonBin string
	mitmdump  string // "" when its column is skipped
	dir       string // scratch space, removed after the run
	log       io.Writer
	settle    *settler
}

// leg is one mode's way to the origin during a scenario: its target and,
// through a proxy, the proxy's process.
type leg struct {
	mode   mode
	target load.Target
	proc   *proxyProc // nil when direct
}

// measurement is one repetition of a scenario in one mode.
type measurement struct {
	values   map[string]float64 // by metric key
	requests int                // counted requests
	errors   int
	firstErr string
	flows    int     // flows a capturing proxy should have recorded
	others   float64 // CPU other programs used meanwhile, % of one core
}

// fromResult fills the figures every load result has.
func fromResult(r *load.Result) measurement {
	return measurement{values: map[string]float64{}, requests: r.Requests, errors: r.Errors,
		firstErr: r.FirstErr, flows: r.Requests + r.Warm}
}

// scenarioResult is every measurement of one scenario.
type scenarioResult struct {
	sc       *scenario
	runs     map[mode][]measurement
	notes    []string // proxies that failed, capture counts
	stored   int      // flows in siphon's session after the scenario
	expected int      // flows sent through siphon
}

// runScenario starts fresh proxies, runs sc plan.reps times in every mode,
// rotating the order of the modes each repetition (A/B/C, B/C/A, ...), and
// stops the proxies. Proxies that fail are noted and their column left
// empty; the run goes on.
func runScenario(ctx context.Context, e *env, sc *scenario) *scenarioResult {
	res := &scenarioResult{sc: sc, runs: map[mode][]measurement{}}
	dir, err := os.MkdirTemp(e.dir, sc.key+"-")
	if err != nil {
		res.notes = append(res.notes, err.Error())
		return res
	}
	defer os.RemoveAll(dir)
	legs := []*leg{{mode: direct, target: load.Target{Roots: e.origin.Pool()}}}
	var sessionPath string
	if sc.proxies {
		if p, path, err := startSiphon(e.siphonBin, filepath.Join(dir, "siphon"), e.origin.CAPath); err != nil {
			res.notes = append(res.notes, "siphon: "+err.Error())
		} else {
			sessionPath = path
			legs = append(legs, &leg{mode: siphon, target: load.Target{Proxy: p.url, Roots: p.roots}, proc: p})
		}
		if e.mitmdump != "" {
			if p, err := startMitmdump(e.mitmdump, filepath.Join(dir, "mitmdump"), e.origin.CAPath); err != nil {
				res.notes = append(res.notes, "mitmdump: "+err.Error())
			} else {
				legs = append(legs, &leg{mode: mitmdump, target: load.Target{Proxy: p.url, Roots: p.roots}, proc: p})
			}
		}
	} else {
		legs = []*leg{{mode: siphon}}
	}
	var procs []*proxyProc
	for _, l := range legs {
		if l.proc != nil {
			procs = append(procs, l.proc)
		}
	}
	for rep := range e.plan.reps {
		for i := range legs {
			l := legs[(i+rep)%len(legs)]
			if ctx.Err() != nil {
				break
			}
			m, err := e.settle.measure(ctx, e, sc, l, rep, procs)
			if err != nil {
				res.notes = append(res.notes, fmt.Sprintf("%s rep %d: %v", l.mode, rep+1, err))
				continue
			}
			fmt.Fprintf(e.log, "bench: %-10s rep %d %-8s %s; other processes %.0f%% CPU\n", sc.key, rep+1, l.mode, sc.summary(m), m.others)
			res.runs[l.mode] = append(res.runs[l.mode], m)
			if l.mode == siphon {
				res.expected += m.flows
			}
		}
	}
	for _, l := range legs {
		if l.proc == nil {
			continue
		}
		if err := l.proc.stop(); err != nil {
			res.notes = append(res.notes, err.Error())
		}
	}
	if sessionPath != "" {
		n, err := storedFlows(sessionPath)
		if err != nil {
			res.notes = append(res.notes, "siphon session: "+err.Error())
		}
		res.stored = n
	}
	return res
}

// runLeg runs one repetition in one mode, bounded by plan.legTimeout, and
// adds the proxy's CPU share and peak memory to what the scenario measured.
func runLeg(ctx context.Context, e *env, sc *scenario, l *leg, rep int) (measurement, error) {
	ctx, cancel := context.WithTimeout(ctx, e.plan.legTimeout)
	defer cancel()
	var cpu0 time.Duration
	if l.proc != nil {
		cpu0, _ = l.proc.cpuTime()
	}
	began := time.Now()
	m, err := sc.run(ctx, e, l, rep)
	if err != nil {
		return m, err
	}
	wall := time.Since(began)
	if l.proc != nil {
		if cpu1, err := l.proc.cpuTime(); err == nil && wall > 0 {
			m.values["cpu"] = 100 * float64(cpu1-cpu0) / float64(wall)
		}
		if rss, err := l.proc.peakRSS(); err == nil {
			m.values["rss"] = float64(rss) / (1 << 20)
		}
	}
	return m, nil
}
