// Command bench is siphon's load benchmark. It starts a loopback origin
// (HTTP, HTTPS with HTTP/1.1 only, and HTTPS offering h2: /small,
// /big?mb=N, /sse, /ws, /wsstream), then runs the same scenarios directly, through
// "siphon dump" (built from this repository, capturing every flow into a
// session file) and through "mitmdump -w" (Debian's mitmproxy, installed
// when missing), interleaved over several repetitions, and prints a
// Markdown table of medians and ratios against the targets of issues 6
// and 11 (HTTP/2). A second table sets siphon with its terminal UI open
// (in a tmux pane; skipped without tmux) against siphon dump, for issue
// 3, and a third sets siphon dump --mcp with MCP clients calling it
// against the same load without them, for issue 16. Proxies listen as a
// forward proxy, or in reverse or SOCKS5 mode (issue 14) where a scenario
// says so. Run it from the repository root:
//
//	go run ./bench                 the measured run, about 12 minutes on 2 cores
//	go run ./bench -smoke          every scenario in seconds, without mitmdump
//	go run ./bench -only https-c32,download -reps 5
//
// Every byte stays on 127.0.0.1. Progress goes to stderr, the report to
// stdout (and to -o FILE).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/siphonproxy/siphon/bench/internal/origin"
)

// options are the command line.
type options struct {
	smoke     bool
	reps      int
	duration  time.Duration
	only      string
	mitmdump  string
	siphonBin string
	out       string
	settle    time.Duration
	flows     int
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.BoolVar(&o.smoke, "smoke", false, "run every scenario in seconds, without mitmdump (CI)")
	fs.IntVar(&o.reps, "reps", 0, "repetitions per scenario and mode (default 3, smoke 1)")
	fs.DurationVar(&o.duration, "duration", 0, "measured window of each load run (default 4s)")
	fs.StringVar(&o.only, "only", "", "comma-separated scenario keys to run ("+strings.Join(scenarioKeys(), ",")+")")
	fs.StringVar(&o.mitmdump, "mitmdump", "", `"auto" (find or install it), "off", or a path; default auto, off in smoke runs`)
	fs.StringVar(&o.siphonBin, "siphon", "", "siphon binary to measure (default: build ./cmd/siphon)")
	fs.IntVar(&o.flows, "flows", 0, "requests of the scale scenario (default 1,000,000, smoke 2,000)")
	fs.StringVar(&o.out, "o", "", "also write the report to this file")
	fs.DurationVar(&o.settle, "settle", 2*time.Minute, "time the run may spend waiting for other programs to go quiet and re-measuring repetitions they disturbed")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	rep, err := run(ctx, o, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: "+err.Error())
		os.Exit(1)
	}
	rep.write(os.Stdout)
	if o.out != "" {
		f, err := os.Create(o.out)
		if err == nil {
			rep.write(f)
			err = f.Close()
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: write report: %v\n", err)
			os.Exit(1)
		}
	}
}

func scenarioKeys() []string {
	var keys []string
	for _, sc := range scenarios(fullPlan()) {
		keys = append(keys, sc.key)
	}
	return keys
}

// run performs a benchmark run and returns its report; log receives
// progress. An error means nothing could be measured.
func run(ctx context.Context, o options, log io.Writer) (*report, error) {
	p := fullPlan()
	if o.smoke {
		p = smokePlan()
	}
	if o.reps > 0 {
		p.reps = o.reps
	}
	if o.smoke {
		o.settle = 0 // its figures mean nothing: no point waiting for them
	}
	if o.duration > 0 {
		p.duration = o.duration
	}
	if o.flows > 0 {
		p.scaleFlows = o.flows
	}
	selected, err := pick(scenarios(p), o.only)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "siphon-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	r := &report{started: time.Now(), plan: p}
	bin := o.siphonBin
	if bin == "" {
		fmt.Fprintln(log, "bench: building siphon")
		if bin, err = buildSiphon(ctx, dir); err != nil {
			return nil, err
		}
	}
	want := o.mitmdump
	if want == "" {
		want = "auto"
		if o.smoke {
			want = "off"
		}
	}
	mitm, why := findMitmdump(ctx, want, log)
	if why != "" {
		r.notes = append(r.notes, why)
		fmt.Fprintln(log, "bench: "+why)
	}
	r.machine = machine(bin, mitm)

	o2, err := origin.Start(dir)
	if err != nil {
		return nil, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		o2.Close(cctx)
	}()
	e := &env{plan: p, origin: o2, siphonBin: bin, mitmdump: mitm, dir: dir, log: log,
		settle: &settler{budget: o.settle}}
	for _, sc := range selected {
		if ctx.Err() != nil {
			r.notes = append(r.notes, "interrupted: later scenarios were not run")
			break
		}
		r.results = append(r.results, runScenario(ctx, e, sc))
	}
	r.elapsed = time.Since(r.started)
	r.settle = *e.settle
	return r, nil
}

// pick keeps the scenarios named in only (all when empty).
func pick(all []*scenario, only string) ([]*scenario, error) {
	if only == "" {
		return all, nil
	}
	names := strings.Split(only, ",")
	var out []*scenario
	for _, sc := range all {
		if slices.Contains(names, sc.key) {
			out = append(out, sc)
		}
	}
	if len(out) != len(names) {
		return nil, errors.New("-only: unknown scenario in " + only + "; known: " + strings.Join(scenarioKeys(), ","))
	}
	return out, nil
}
