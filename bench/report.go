package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// report is a whole run, printed as Markdown.
type report struct {
	started time.Time
	elapsed time.Duration
	machine []string // "what: value" lines
	plan    plan
	notes   []string // run-wide, e.g. why mitmdump's column is empty
	results []*scenarioResult
	settle  settler
}

// row is one metric of one scenario, aggregated over repetitions.
type row struct {
	sc  *scenario
	m   metric
	col map[mode]float64
	// refs are the columns of the same metric in the scenarios its
	// targets refer to (target.ref), by scenario key.
	refs map[string]map[mode]float64
}

func (r *report) rows() []row {
	var out []row
	cols := map[[2]string]map[mode]float64{} // by scenario and metric key
	for _, res := range r.results {
		for _, m := range res.sc.metrics {
			col := map[mode]float64{}
			for _, md := range modes {
				if v, ok := m.aggregate(res.runs[md]); ok {
					col[md] = v
				}
			}
			cols[[2]string{res.sc.key, m.key}] = col
			out = append(out, row{sc: res.sc, m: m, col: col, refs: map[string]map[mode]float64{}})
		}
	}
	for _, rw := range out {
		for _, tg := range rw.m.targets {
			if tg.ref != "" {
				rw.refs[tg.ref] = cols[[2]string{tg.ref, rw.m.key}]
			}
		}
	}
	return out
}

func (r *report) write(w io.Writer) {
	fmt.Fprintf(w, "## siphon load benchmark, %s\n\n", r.started.UTC().Format("2006-01-02 15:04 MST"))
	for _, line := range r.machine {
		fmt.Fprintf(w, "- %s\n", line)
	}
	p := r.plan
	fmt.Fprintf(w, "- plan: %d repetitions per mode, interleaved; load runs %v after a %v warm-up; medians (peaks for RSS)\n",
		p.reps, p.duration, p.warmup)
	if p.smoke {
		fmt.Fprintln(w, "- SMOKE RUN: sizes cut to seconds; the figures mean nothing")
	}
	fmt.Fprintf(w, "- run took %v, of which %v waiting for other programs to go quiet or re-measuring %d disturbed repetitions\n",
		r.elapsed.Round(time.Second), r.settle.spent.Round(time.Second), r.settle.retried)
	for _, n := range r.notes {
		fmt.Fprintf(w, "- note: %s\n", n)
	}
	fmt.Fprintln(w)
	for _, t := range tables {
		var rows []row
		for _, rw := range r.rows() {
			if t.holds(rw.sc) {
				rows = append(rows, rw)
			}
		}
		if len(rows) == 0 {
			continue
		}
		if t.heading != "" {
			fmt.Fprintln(w, t.heading+"\n")
		}
		t.write(w, rows)
		fmt.Fprintln(w)
	}
	r.writeChecks(w)
}

// table is one table of the report: its columns, and the column set
// against others.
type table struct {
	ui      bool // holds the UI scenarios
	mcp     bool // holds the MCP scenario; neither: the others
	heading string
	cols    []mode
	names   []string // headings of cols
	subject mode
	against []mode
	vs      []string // headings of the subject against each of against
}

// tables are the report's: the proxies side by side, then siphon with its
// terminal UI against siphon dump.
var tables = []table{
	{cols: []mode{direct, siphon, mitmdump}, names: []string{"direct", "siphon", "mitmdump"},
		subject: siphon, against: []mode{direct, mitmdump}, vs: []string{"siphon vs direct", "siphon vs mitmdump"}},
	{ui: true, heading: "siphon with its terminal UI open in a 160×48 tmux pane, against siphon dump (issue 3):",
		cols: []mode{siphon, tui}, names: []string{"siphon dump", "siphon TUI"},
		subject: tui, against: []mode{siphon}, vs: []string{"TUI vs dump"}},
	{mcp: true, heading: "siphon dump --mcp under load, without and with MCP clients looping list_flows/get_body (issue 16):",
		cols: []mode{siphon, mcpCallers}, names: []string{"without callers", "with MCP callers"},
		subject: mcpCallers, against: []mode{siphon}, vs: []string{"with vs without"}},
}

// holds says whether sc's rows go in t.
func (t table) holds(sc *scenario) bool { return t.ui == sc.ui && t.mcp == sc.mcp }

func (t table) write(w io.Writer, rows []row) {
	head := append(append([]string{"scenario", "metric"}, t.names...), t.vs...)
	head = append(head, "target", "met")
	align := []string{"---", "---"}
	for range len(t.cols) + len(t.against) {
		align = append(align, "--:")
	}
	align = append(align, "---", "---")
	fmt.Fprintf(w, "| %s |\n|%s|\n", strings.Join(head, " | "), strings.Join(align, "|"))
	prev := ""
	for _, rw := range rows {
		title := ""
		if rw.sc.key != prev {
			title, prev = rw.sc.title, rw.sc.key
		}
		var targets, verdicts []string
		for _, tg := range rw.m.targets {
			targets = append(targets, tg.text)
			switch met, ok := tg.met(rw.col, rw.refs[tg.ref]); {
			case !ok:
				verdicts = append(verdicts, "n/a")
			case met:
				verdicts = append(verdicts, "yes")
			default:
				verdicts = append(verdicts, "**NO**")
			}
		}
		cells := []string{title, rw.m.label}
		for _, md := range t.cols {
			cells = append(cells, rw.value(md))
		}
		for _, md := range t.against {
			cells = append(cells, rw.versus(t.subject, md))
		}
		cells = append(cells, strings.Join(targets, "; "), strings.Join(verdicts, "; "))
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
}

func (rw row) value(md mode) string {
	v, ok := rw.col[md]
	if !ok {
		return "—"
	}
	return rw.m.format(v)
}

// versus sets the subject's column against another: a ratio for rates,
// a difference for latencies.
func (rw row) versus(subject, other mode) string {
	s, ok1 := rw.col[subject]
	o, ok2 := rw.col[other]
	if !ok1 || !ok2 {
		return ""
	}
	switch rw.m.vs {
	case ratio:
		if o == 0 {
			return ""
		}
		return fmt.Sprintf("%.2f×", s/o)
	case delta:
		d := s - o
		sign := "+"
		if d < 0 {
			sign = "−"
			d = -d
		}
		return sign + group(d, rw.m.prec) + " " + rw.m.unit
	}
	return ""
}

// writeChecks lists failed requests, what siphon stored, and proxies that
// failed: a run whose figures rest on errors must say so.
func (r *report) writeChecks(w io.Writer) {
	fmt.Fprintln(w, "Checks:")
	clean := true
	for _, res := range r.results {
		for _, md := range modes {
			var n, failed int
			first := ""
			for _, m := range res.runs[md] {
				n += m.requests
				failed += m.errors
				if first == "" {
					first = m.firstErr
				}
			}
			if failed > 0 {
				clean = false
				fmt.Fprintf(w, "- %s via %s: %d of %d requests failed; first: %s\n", res.sc.key, md, failed, n, first)
			}
		}
		for _, md := range []mode{siphon, tui, mcpCallers} {
			if !(res.sc.proxies || res.sc.ui || res.sc.mcp) || len(res.runs[md]) == 0 {
				continue
			}
			lost, who := "", "siphon's session holds"
			if res.stored[md] != res.expected[md] {
				clean, lost = false, " **(flows lost or extra)**"
			}
			if res.sc.ui {
				who = map[mode]string{siphon: "siphon dump's session holds", tui: "the TUI's session holds"}[md]
			}
			if res.sc.mcp {
				who = map[mode]string{siphon: "siphon dump's session (no callers) holds", mcpCallers: "siphon dump's session (MCP callers) holds"}[md]
			}
			fmt.Fprintf(w, "- %s: %s %d flows of the %d sent through it%s\n", res.sc.key, who, res.stored[md], res.expected[md], lost)
			if res.expectedMsgs[md] > 0 {
				lost = ""
				if res.storedMsgs[md] != res.expectedMsgs[md] {
					clean, lost = false, " **(messages lost or extra)**"
				}
				fmt.Fprintf(w, "- %s: %s %d WebSocket messages (whole) of the %d sent through it%s\n", res.sc.key, who, res.storedMsgs[md], res.expectedMsgs[md], lost)
			}
		}
		for _, n := range res.notes {
			clean = false
			fmt.Fprintf(w, "- %s: %s\n", res.sc.key, n)
		}
	}
	if !r.writeH2Checks(w) {
		clean = false
	}
	if clean {
		fmt.Fprintln(w, "- no request failed and no proxy misbehaved")
	}
	var sum, worst float64
	var n int
	where := ""
	for _, res := range r.results {
		for _, md := range modes {
			for i, m := range res.runs[md] {
				sum += m.others
				n++
				if m.others > worst {
					worst, where = m.others, fmt.Sprintf("%s via %s, repetition %d", res.sc.key, md, i+1)
				}
			}
		}
	}
	if n > 0 {
		fmt.Fprintf(w, "- other programs on the machine used %.0f%% of one core on average during the measurements", sum/float64(n))
		if where != "" {
			fmt.Fprintf(w, " (most: %.0f%%, %s)", worst, where)
		}
		fmt.Fprintln(w)
	}
}
