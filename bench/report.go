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
}

func (r *report) rows() []row {
	var out []row
	for _, res := range r.results {
		for _, m := range res.sc.metrics {
			col := map[mode]float64{}
			for _, md := range modes {
				if v, ok := m.aggregate(res.runs[md]); ok {
					col[md] = v
				}
			}
			out = append(out, row{sc: res.sc, m: m, col: col})
		}
	}
	return out
}

// missed lists the targets the run did not reach, as "scenario: metric".
func (r *report) missed() []string {
	var out []string
	for _, rw := range r.rows() {
		for _, t := range rw.m.targets {
			if met, ok := t.met(rw.col); ok && !met {
				out = append(out, fmt.Sprintf("%s: %s %s", rw.sc.key, rw.m.label, t.text))
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
	fmt.Fprintln(w, "| scenario | metric | direct | siphon | mitmdump | siphon vs direct | siphon vs mitmdump | target | met |")
	fmt.Fprintln(w, "|---|---|--:|--:|--:|--:|--:|---|---|")
	prev := ""
	for _, rw := range r.rows() {
		title := ""
		if rw.sc.key != prev {
			title, prev = rw.sc.title, rw.sc.key
		}
		var targets, verdicts []string
		for _, t := range rw.m.targets {
			targets = append(targets, t.text)
			switch met, ok := t.met(rw.col); {
			case !ok:
				verdicts = append(verdicts, "n/a")
			case met:
				verdicts = append(verdicts, "yes")
			default:
				verdicts = append(verdicts, "**NO**")
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", title, rw.m.label,
			rw.value(direct), rw.value(siphon), rw.value(mitmdump),
			rw.versus(direct), rw.versus(mitmdump),
			strings.Join(targets, "; "), strings.Join(verdicts, "; "))
	}
	fmt.Fprintln(w)
	r.writeChecks(w)
}

func (rw row) value(md mode) string {
	v, ok := rw.col[md]
	if !ok {
		return "—"
	}
	return rw.m.format(v)
}

// versus sets siphon against another column: a ratio for rates, a
// difference for latencies.
func (rw row) versus(other mode) string {
	s, ok1 := rw.col[siphon]
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
		if res.sc.proxies && len(res.runs[siphon]) > 0 {
			lost := ""
			if res.stored != res.expected {
				clean, lost = false, " **(flows lost or extra)**"
			}
			fmt.Fprintf(w, "- %s: siphon's session holds %d flows of the %d sent through it%s\n", res.sc.key, res.stored, res.expected, lost)
		}
		for _, n := range res.notes {
			clean = false
			fmt.Fprintf(w, "- %s: %s\n", res.sc.key, n)
		}
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
