package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestGroupFormatsThousands(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		prec int
		want string
	}{
		{0, 0, "0"}, {999, 0, "999"}, {1000, 0, "1,000"}, {1234567.891, 2, "1,234,567.89"},
		{-1234, 0, "-1,234"}, {0.0421, 3, "0.042"}, {123456, 1, "123,456.0"},
	} {
		if got := group(tc.v, tc.prec); got != tc.want {
			t.Errorf("group(%v, %d) = %q, want %q", tc.v, tc.prec, got, tc.want)
		}
	}
}

func TestAggregateTakesMedianOrPeak(t *testing.T) {
	runs := func(vs ...float64) []measurement {
		var out []measurement
		for _, v := range vs {
			out = append(out, measurement{values: map[string]float64{"x": v}})
		}
		return append(out, measurement{values: map[string]float64{}}) // a run without the figure
	}
	m := metric{key: "x"}
	for _, tc := range []struct {
		vs   []float64
		peak bool
		want float64
	}{
		{[]float64{3, 1, 2}, false, 2}, {[]float64{4, 1, 3, 2}, false, 2.5}, {[]float64{3, 9, 1}, true, 9},
	} {
		m.peak = tc.peak
		if got, ok := m.aggregate(runs(tc.vs...)); !ok || got != tc.want {
			t.Errorf("aggregate(%v, peak %v) = %v, %v; want %v", tc.vs, tc.peak, got, ok, tc.want)
		}
	}
	if _, ok := m.aggregate(runs()); ok {
		t.Error("aggregate of runs without the figure reported a value")
	}
}

func TestTargetsJudgeTheSiphonColumn(t *testing.T) {
	col := map[mode]float64{direct: 1000, siphon: 400, mitmdump: 100}
	for _, tc := range []struct {
		t       target
		met, ok bool
	}{
		{timesOf(0.3, direct), true, true},
		{timesOf(8, mitmdump), false, true},
		{below(500, "ms"), true, true},
		{atLeast(401, "x"), false, true},
		{withinOfDirect(10, "ms"), true, true},
		{timesOf(2, mode("absent")), false, false},
		{timesOfSiphonIn(1, "other", "elsewhere"), true, true},
		{timesOfSiphonIn(1.1, "other", "elsewhere"), false, true},
	} {
		met, ok := tc.t.met(col, map[mode]float64{siphon: 400})
		if ok != tc.ok || (ok && met != tc.met) {
			t.Errorf("%s: met %v ok %v, want %v %v", tc.t.text, met, ok, tc.met, tc.ok)
		}
	}
	// A goal against a scenario that did not run cannot be judged.
	if _, ok := timesOfSiphonIn(1, "other", "elsewhere").met(col, nil); ok {
		t.Error("a goal against a missing scenario was judged")
	}
}

func TestMitmdumpAddrReadsItsStartLine(t *testing.T) {
	for line, want := range map[string]string{
		"Proxy server listening at 127.0.0.1:38905": "127.0.0.1:38905",
		"Proxy server listening at http://*:8080":   "127.0.0.1:8080",
	} {
		got, ok := mitmdumpAddr(line)
		if !ok || got != want {
			t.Errorf("mitmdumpAddr(%q) = %q, %v; want %q", line, got, ok, want)
		}
	}
	if _, ok := mitmdumpAddr("Loading script foo.py"); ok {
		t.Error("a line without an address was taken for the start line")
	}
}

func TestPickRejectsUnknownScenarios(t *testing.T) {
	got, err := pick(scenarios(smokePlan()), "ws,sse")
	if err != nil || len(got) != 2 {
		t.Fatalf("pick(ws,sse) = %d scenarios, %v", len(got), err)
	}
	if _, err := pick(scenarios(smokePlan()), "ws,nope"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("pick(ws,nope) error %v, want one naming the list", err)
	}
}

func TestFindMitmdumpExplainsAbsence(t *testing.T) {
	var log bytes.Buffer
	if path, why := findMitmdump(context.Background(), "off", &log); path != "" || !strings.Contains(why, "off") {
		t.Errorf("off: %q, %q", path, why)
	}
	if path, why := findMitmdump(context.Background(), "/nonexistent/mitmdump", &log); path != "" || !strings.Contains(why, "/nonexistent/mitmdump") {
		t.Errorf("missing path: %q, %q", path, why)
	}
}
