package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/siphonproxy/siphon/bench/internal/load"
	"github.com/siphonproxy/siphon/bench/internal/origin"
)

// Issue 17: a million flows on a laptop. The scale scenario sends
// plan.scaleFlows small requests at c=32 through a fresh siphon dump,
// every one stored, and reads siphon's memory from /proc once it has
// settled: all of it (runtime, index, SQLite, buffers), as a user's
// machine pays for it. Then siphon's terminal UI opens the session it
// wrote (in tmux, as in tui.go): the time to its first frame with flow
// rows (the rest of the session loads behind it), the time until its
// status bar counts every flow, and its memory then are measured.

// scaleC is the scenario's concurrency.
const scaleC = 32

// Settling: after the load, siphon's RSS is read every settlePoll until
// it moves by less than settleSlack between reads, at most for
// settleLimit (the writer commits the last batch; the Go runtime returns
// what the collector freed).
const (
	settlePoll  = 500 * time.Millisecond
	settleSlack = 1 << 20
	settleLimit = 20 * time.Second
)

// scaleScenario is the million-flow run; one repetition whatever the
// plan says (it takes minutes).
func scaleScenario(p plan) *scenario {
	n := group(float64(p.scaleFlows), 0)
	metrics := []metric{
		{key: "fps", label: "flows through siphon", unit: "flows/s", prec: 0},
		{key: "wall", label: "wall time", unit: "s", prec: 1},
		{key: "base", label: "RSS before the load", unit: "MiB", prec: 1},
		{key: "rss", label: "RSS after settling (VmRSS)", unit: "MiB", prec: 1, targets: []target{below(400, "MiB")}},
		{key: "hwm", label: "peak RSS (VmHWM)", unit: "MiB", prec: 1, peak: true, targets: []target{below(400, "MiB")}},
		{key: "perflow", label: "RSS per flow (growth ÷ flows)", unit: "B", prec: 0},
	}
	_, noTmux := exec.LookPath("tmux")
	if noTmux == nil {
		metrics = append(metrics,
			metric{key: "tuiopen", label: "TUI: open the session, first frame with rows", unit: "s", prec: 2, targets: []target{below(1, "s")}},
			metric{key: "tuiload", label: "TUI: every flow loaded (status bar count)", unit: "s", prec: 2},
			metric{key: "tuirss", label: "TUI: RSS with every flow loaded, settled", unit: "MiB", prec: 1, targets: []target{below(400, "MiB")}},
			metric{key: "tuihwm", label: "TUI: peak RSS", unit: "MiB", prec: 1, peak: true})
	}
	return &scenario{
		key: "scale", title: n + " small requests through siphon dump, c=32", reps: 1,
		// At 1,000 flows/s or more, with five minutes for the rest.
		timeout: time.Duration(p.scaleFlows)*time.Millisecond + 5*time.Minute,
		metrics: metrics,
		run: func(ctx context.Context, e *env, _ *leg, _ int) (measurement, error) {
			return runScale(ctx, e, noTmux == nil)
		},
	}
}

// runScale is one repetition of the scale scenario.
func runScale(ctx context.Context, e *env, withTUI bool) (measurement, error) {
	m := measurement{values: map[string]float64{}}
	dir, err := os.MkdirTemp(e.dir, "scale-")
	if err != nil {
		return m, err
	}
	defer os.RemoveAll(dir)
	p, sessionPath, err := startSiphon(e.siphonBin, filepath.Join(dir, "siphon"), e.origin.CAPath, viaForward.siphonArgs(e)...)
	if err != nil {
		return m, err
	}
	stopped := false
	defer func() {
		if !stopped {
			p.kill()
		}
	}()
	base, err := procStatus(p.pid, "VmRSS")
	if err != nil {
		return m, err
	}
	n := e.plan.scaleFlows
	began := time.Now()
	r, err := load.Run(ctx, load.Target{Proxy: p.url, Roots: p.roots}, load.Config{
		URL: e.origin.HTTPURL + "/small", Concurrency: scaleC, MaxRequests: n, WantBytes: origin.SmallSize})
	if err != nil {
		return m, err
	}
	wall := time.Since(began)
	m.requests, m.errors, m.firstErr, m.flows = r.Requests, r.Errors, r.FirstErr, r.Requests
	rss, err := settledRSS(ctx, p.pid)
	if err != nil {
		return m, err
	}
	hwm, err := procStatus(p.pid, "VmHWM")
	if err != nil {
		return m, err
	}
	m.values["fps"] = float64(n) / wall.Seconds()
	m.values["wall"] = wall.Seconds()
	m.values["base"] = mib(base)
	m.values["rss"] = mib(rss)
	m.values["hwm"] = mib(hwm)
	m.values["perflow"] = float64(rss-base) / float64(n)
	fmt.Fprintf(e.log, "bench: scale      %d flows in %.1fs; siphon's RSS %.1f MiB settled, %.1f MiB peak\n",
		n, wall.Seconds(), mib(rss), mib(hwm))

	stopped = true
	if err := p.stop(); err != nil {
		return m, err
	}
	stored, _, err := storedFlows(sessionPath)
	if err != nil {
		return m, err
	}
	if stored != r.Requests {
		return m, fmt.Errorf("siphon's session holds %d flows of the %d sent through it", stored, r.Requests)
	}
	if withTUI {
		o, err := openInUI(ctx, e.siphonBin, filepath.Join(dir, "tui"), sessionPath, stored)
		if err != nil {
			return m, err
		}
		m.values["tuiopen"], m.values["tuiload"] = o.first.Seconds(), o.loaded.Seconds()
		m.values["tuirss"], m.values["tuihwm"] = mib(o.rss), mib(o.hwm)
		fmt.Fprintf(e.log, "bench: scale      TUI: first rows after %.2fs, all %d flows after %.2fs; RSS %.1f MiB, peak %.1f MiB\n",
			o.first.Seconds(), stored, o.loaded.Seconds(), mib(o.rss), mib(o.hwm))
	}
	return m, nil
}

// settledRSS reads pid's VmRSS until it stops moving (see settlePoll).
func settledRSS(ctx context.Context, pid int) (int64, error) {
	prev, err := procStatus(pid, "VmRSS")
	if err != nil {
		return 0, err
	}
	deadline := time.NewTimer(settleLimit)
	defer deadline.Stop()
	tick := time.NewTicker(settlePoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-deadline.C:
			return prev, nil
		case <-tick.C:
		}
		cur, err := procStatus(pid, "VmRSS")
		if err != nil {
			return 0, err
		}
		if d := cur - prev; d < settleSlack && d > -settleSlack {
			return cur, nil
		}
		prev = cur
	}
}

// uiOpening is what openInUI measured: when the first frame with flow
// rows was on screen, when the status bar counted every flow (the load
// behind the first frame done), and the UI's RSS once settled after that
// and its peak RSS.
type uiOpening struct {
	first, loaded time.Duration
	rss, hwm      int64
}

// Status bar counts: "loading 512 of 1000000 flows" while the UI loads
// the session, "1000000 flows" once it is done.
var (
	loadingCount = regexp.MustCompile(`\bloading (\d+) of \d+ flows\b`)
	flowCount    = regexp.MustCompile(` · (\d+) flows\b`)
)

// openInUI runs siphon's terminal UI over the session at path (--readonly,
// no proxy) in a private tmux pane until its status bar counts all n
// flows.
func openInUI(ctx context.Context, bin, dir, path string, n int) (o uiOpening, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return o, err
	}
	began := time.Now()
	t, pid, err := openTerminal(dir, bin, "--home", filepath.Join(dir, "home"), "--readonly", path)
	if err != nil {
		return o, err
	}
	defer t.close()
	want := strconv.Itoa(n)
	err = t.waitScreen(ctx, 5*time.Minute, nil, func(screen string) bool {
		now := time.Since(began)
		if m := loadingCount.FindStringSubmatch(screen); m != nil {
			if o.first == 0 && m[1] != "0" {
				o.first = now
			}
			return false
		}
		m := flowCount.FindStringSubmatch(screen)
		if m == nil || m[1] == "0" {
			return false
		}
		if o.first == 0 {
			o.first = now // loaded in full before the first frame
		}
		return m[1] == want
	})
	o.loaded = time.Since(began)
	if err != nil {
		return o, fmt.Errorf("siphon's UI did not show the %d flows of the session: %w; its screen:\n%s", n, err, t)
	}
	// Settled, as siphon dump's: the UI returns the garbage of the load
	// once it is done.
	if o.rss, err = settledRSS(ctx, pid); err == nil {
		o.hwm, err = procStatus(pid, "VmHWM")
	}
	return o, err
}

// procStatus reads one "kB" field of /proc/PID/status, in bytes.
func procStatus(pid int, field string) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parse %s %q of process %d: %w", field, v, pid, err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("no " + field + " in /proc/" + strconv.Itoa(pid) + "/status")
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
