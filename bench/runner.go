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
	siphon   mode = "siphon" // siphon dump
	tui      mode = "siphon-tui"
	mitmdump mode = "mitmdump"
	// mcpCallers is siphon dump --mcp while MCP clients call it (mcpload.go).
	mcpCallers mode = "siphon-mcp"
)

// modes are every mode, in the order reports list them.
var modes = []mode{direct, siphon, tui, mitmdump, mcpCallers}

// captures says whether md is a siphon whose session the run checks.
func (md mode) captures() bool { return md == siphon || md == tui || md == mcpCallers }

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
	term   *terminal  // the terminal siphon's UI runs in; nil for the others
	// httpsBase is the origin's HTTPS base URL as this leg's clients see
	// it, when not the origin's own (a reverse proxy's address).
	httpsBase string
}

// measurement is one repetition of a scenario in one mode.
type measurement struct {
	values   map[string]float64 // by metric key
	requests int                // counted requests
	errors   int
	firstErr string
	flows    int            // flows a capturing proxy should have recorded
	others   float64        // CPU other programs used meanwhile, % of one core
	protos   map[string]int // answers by protocol
	conns    int            // connections opened
	messages int            // WebSocket data messages a capturing proxy should have stored
}

// fromResult fills the figures every load result has.
func fromResult(r *load.Result) measurement {
	return measurement{values: map[string]float64{}, requests: r.Requests, errors: r.Errors,
		firstErr: r.FirstErr, flows: r.Requests + r.Warm, protos: r.Protos, conns: r.Conns}
}

// scenarioResult is every measurement of one scenario.
type scenarioResult struct {
	sc       *scenario
	runs     map[mode][]measurement
	notes    []string     // proxies that failed, capture counts
	stored   map[mode]int // flows in siphon's session after the scenario, by siphon's mode
	expected map[mode]int // flows sent through siphon, by mode
	// storedMsgs and expectedMsgs are the same for WebSocket messages,
	// in scenarios that send some.
	storedMsgs, expectedMsgs map[mode]int
}

// runScenario starts fresh proxies, runs sc plan.reps times in every mode,
// rotating the order of the modes each repetition (A/B/C, B/C/A, ...), and
// stops the proxies. Proxies that fail are noted and their column left
// empty; the run goes on.
func runScenario(ctx context.Context, e *env, sc *scenario) *scenarioResult {
	res := &scenarioResult{sc: sc, runs: map[mode][]measurement{}, stored: map[mode]int{}, expected: map[mode]int{},
		storedMsgs: map[mode]int{}, expectedMsgs: map[mode]int{}}
	dir, err := os.MkdirTemp(e.dir, sc.key+"-")
	if err != nil {
		res.notes = append(res.notes, err.Error())
		return res
	}
	defer os.RemoveAll(dir)
	legs, sessions, notes := startLegs(e, sc, dir)
	res.notes = append(res.notes, notes...)
	var pids []int // the benchmark's processes besides this one
	for _, l := range legs {
		if l.proc != nil {
			pids = append(pids, l.proc.pid)
		}
		if l.term != nil {
			pids = append(pids, l.term.pid)
		}
	}
	reps := e.plan.reps
	if sc.reps > 0 {
		reps = sc.reps
	}
	if (sc.ui || sc.mcp) && len(legs) < 2 {
		reps = 0 // one of the two failed to start: nothing to compare
	}
	for rep := range reps {
		for i := range legs {
			l := legs[(i+rep)%len(legs)]
			if ctx.Err() != nil {
				break
			}
			m, err := e.settle.measure(ctx, e, sc, l, rep, pids)
			if err != nil {
				res.notes = append(res.notes, fmt.Sprintf("%s rep %d: %v", l.mode, rep+1, err))
				continue
			}
			fmt.Fprintf(e.log, "bench: %-10s rep %d %-10s %s; other processes %.0f%% CPU\n", sc.key, rep+1, l.mode, sc.summary(m), m.others)
			res.runs[l.mode] = append(res.runs[l.mode], m)
			if l.mode.captures() {
				res.expected[l.mode] += m.flows
				res.expectedMsgs[l.mode] += m.messages
			}
		}
	}
	for _, l := range legs {
		if l.term != nil {
			// The UI shows what its store holds; it must have kept up.
			if err := l.term.waitFlows(ctx, res.expected[l.mode]); err != nil {
				res.notes = append(res.notes, err.Error())
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
		if l.term != nil {
			l.term.close()
		}
	}
	for md, path := range sessions {
		if len(res.runs[md]) == 0 {
			continue
		}
		n, msgs, err := storedFlows(path)
		if err != nil {
			res.notes = append(res.notes, fmt.Sprintf("%s session: %v", md, err))
		}
		res.stored[md], res.storedMsgs[md] = n, msgs
	}
	return res
}

// startLegs starts the proxies sc runs through, with their files under
// dir: direct, siphon dump and mitmdump for a proxy scenario (listening
// as sc.via says), siphon dump and siphon with its terminal UI for a UI
// scenario, two siphon dumps with their MCP server for the MCP scenario,
// and siphon alone (in this process) for the others. It returns the
// session file of each siphon, and notes for proxies that could not
// start: their legs are left out.
func startLegs(e *env, sc *scenario, dir string) (legs []*leg, sessions map[mode]string, notes []string) {
	sessions = map[mode]string{}
	if !sc.proxies && !sc.ui && !sc.mcp {
		return []*leg{{mode: siphon}}, sessions, nil
	}
	if sc.proxies {
		legs = append(legs, &leg{mode: direct, target: load.Target{Roots: e.origin.Pool()}})
	}
	siphons := []mode{siphon}
	if sc.mcp {
		// Both serve MCP: the legs differ only in the callers.
		siphons = append(siphons, mcpCallers)
	}
	for _, md := range siphons {
		args := sc.via.siphonArgs(e)
		if sc.mcp {
			args = append(args, "--mcp", "127.0.0.1:0")
		}
		if p, path, err := startSiphon(e.siphonBin, filepath.Join(dir, string(md)), e.origin.CAPath, args...); err != nil {
			notes = append(notes, string(md)+": "+err.Error())
		} else {
			sessions[md] = path
			legs = append(legs, sc.via.leg(md, p))
		}
	}
	if sc.ui {
		p, term, path, err := startSiphonUI(e.siphonBin, filepath.Join(dir, "tui"), e.origin.CAPath)
		if err != nil {
			notes = append(notes, "siphon's UI: "+err.Error())
		} else {
			sessions[tui] = path
			legs = append(legs, &leg{mode: tui, target: load.Target{Proxy: p.url, Roots: p.roots}, proc: p, term: term})
		}
	}
	if sc.proxies && e.mitmdump != "" {
		if p, err := startMitmdump(e.mitmdump, filepath.Join(dir, "mitmdump"), e.origin.CAPath, sc.via.mitmdumpArgs(e)...); err != nil {
			notes = append(notes, "mitmdump: "+err.Error())
		} else {
			legs = append(legs, sc.via.leg(mitmdump, p))
		}
	}
	return legs, sessions, notes
}

// runLeg runs one repetition in one mode, bounded by plan.legTimeout, and
// adds the proxy's CPU share and peak memory to what the scenario measured.
func runLeg(ctx context.Context, e *env, sc *scenario, l *leg, rep int) (measurement, error) {
	limit := e.plan.legTimeout
	if sc.timeout > 0 {
		limit = sc.timeout
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var cpu0, term0 time.Duration
	if l.proc != nil {
		cpu0, _ = l.proc.cpuTime()
	}
	if l.term != nil {
		term0, _ = pidCPU(l.term.pid)
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
			if m.flows > 0 {
				m.values["cpuflow"] = float64(cpu1-cpu0) / float64(time.Microsecond) / float64(m.flows)
			}
		}
		if rss, err := l.proc.peakRSS(); err == nil {
			m.values["rss"] = float64(rss) / (1 << 20)
		}
	}
	if l.term != nil {
		if term1, err := pidCPU(l.term.pid); err == nil && wall > 0 {
			m.values["termcpu"] = 100 * float64(term1-term0) / float64(wall)
		}
	}
	return m, nil
}
