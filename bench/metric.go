package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// compare is how the siphon column is set against the others.
type compare int

const (
	noCompare compare = iota
	ratio             // siphon ÷ other, for rates
	delta             // siphon − other, for latencies
)

// metric is one row of the table.
type metric struct {
	key     string
	label   string
	unit    string
	prec    int  // decimals shown
	peak    bool // aggregate by maximum (peak memory) instead of median
	vs      compare
	targets []target
	only    mode // the one mode it is measured in; "" for all of its scenario's
}

// target is one of the goals for the siphon column.
type target struct {
	text string
	// ref, when set, is the key of another scenario whose row of the same
	// metric the goal is set against.
	ref string
	// met says whether the aggregated columns reach the goal; ok is false
	// when a column it needs is missing. ref holds the columns of the
	// scenario named by ref (nil without one, or when it did not run).
	met func(col, ref map[mode]float64) (met, ok bool)
}

func timesOf(k float64, other mode) target {
	return target{
		text: fmt.Sprintf("≥ %g× %s", k, other),
		met: func(col, _ map[mode]float64) (bool, bool) {
			s, ok1 := col[siphon]
			o, ok2 := col[other]
			return s >= k*o, ok1 && ok2
		},
	}
}

// uiTimesDump is a goal for siphon with its terminal UI open: k times the
// figure of siphon dump.
func uiTimesDump(k float64) target {
	return target{
		text: fmt.Sprintf("≥ %g× siphon dump", k),
		met: func(col, _ map[mode]float64) (bool, bool) {
			u, ok1 := col[tui]
			d, ok2 := col[siphon]
			return u >= k*d, ok1 && ok2
		},
	}
}

// timesOfSiphonIn is a goal against siphon's figure in another scenario
// of the same run: k times it. what names that scenario in the report.
func timesOfSiphonIn(k float64, key, what string) target {
	text := fmt.Sprintf("≥ %g× siphon %s", k, what)
	if k == 1 {
		text = "≥ siphon " + what
	}
	return target{
		text: text, ref: key,
		met: func(col, ref map[mode]float64) (bool, bool) {
			s, ok1 := col[siphon]
			o, ok2 := ref[siphon]
			return s >= k*o, ok1 && ok2
		},
	}
}

func below(limit float64, unit string) target {
	return target{
		text: fmt.Sprintf("< %s %s", strconv.FormatFloat(limit, 'f', -1, 64), unit),
		met: func(col, _ map[mode]float64) (bool, bool) {
			s, ok := col[siphon]
			return s < limit, ok
		},
	}
}

func atLeast(limit float64, unit string) target {
	return target{
		text: fmt.Sprintf("≥ %s %s", group(limit, 0), unit),
		met: func(col, _ map[mode]float64) (bool, bool) {
			s, ok := col[siphon]
			return s >= limit, ok
		},
	}
}

func withinOfDirect(limit float64, unit string) target {
	return target{
		text: fmt.Sprintf("≤ direct + %g %s", limit, unit),
		met: func(col, _ map[mode]float64) (bool, bool) {
			s, ok1 := col[siphon]
			d, ok2 := col[direct]
			return s-d <= limit, ok1 && ok2
		},
	}
}

// aggregate is the median of the repetitions' values, or the maximum for
// peaks; ok is false without any.
func (m metric) aggregate(runs []measurement) (float64, bool) {
	var vs []float64
	for _, r := range runs {
		if v, ok := r.values[m.key]; ok {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return 0, false
	}
	slices.Sort(vs)
	if m.peak {
		return vs[len(vs)-1], true
	}
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2], true
	}
	return (vs[n/2-1] + vs[n/2]) / 2, true
}

func (m metric) format(v float64) string {
	s := group(v, m.prec)
	if m.unit != "" {
		s += " " + m.unit
	}
	return s
}

// group formats v with prec decimals and thousands separators.
func group(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}

// ms is d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
