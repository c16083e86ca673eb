package main

import (
	"strings"
	"testing"
)

func TestH2CheckWantsHTTP2OnItsConnections(t *testing.T) {
	sc := h2Scenario("h2-test", 8)
	result := func(proto string, conns int) *scenarioResult {
		return &scenarioResult{sc: sc, runs: map[mode][]measurement{
			direct: {{protos: map[string]int{"HTTP/2.0": 10}, conns: 8}},
			siphon: {{protos: map[string]int{proto: 10}, conns: conns}},
		}}
	}
	if line, ok := h2Check(result("HTTP/2.0", 8)); !ok || strings.Contains(line, "want") ||
		!strings.Contains(line, "siphon 10 over HTTP/2.0 on 8 connection(s)") {
		t.Errorf("all HTTP/2 on 8 connections: %v %q", ok, line)
	}
	for _, bad := range []*scenarioResult{result("HTTP/1.1", 8), result("HTTP/2.0", 9)} {
		if line, ok := h2Check(bad); ok || !strings.Contains(line, "want HTTP/2.0 only, on 8 connection(s)") {
			t.Errorf("a wrong protocol or connection count passed: %v %q", ok, line)
		}
	}
}
