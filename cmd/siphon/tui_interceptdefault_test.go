package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/siphonproxy/siphon/ui/keymap"
)

// The UI starts with interception off, as the README shows it, unless the
// rules files hold breakpoints; I turns it on and off.
func TestTUIInterceptStartsOff(t *testing.T) {
	dir := t.TempDir()
	mocks := filepath.Join(dir, "mocks.yaml")
	must(t, os.WriteFile(mocks, []byte("- name: tea\n  match: ~u /tea\n  mock: {status: 418}\n"), 0o644))
	for _, args := range [][]string{nil, {"--rules", mocks}} {
		h := startTUIHarness(t, args...)
		if h.app.engine.Intercepting() {
			t.Errorf("siphon %v starts with interception on", args)
		}
		h.press(keymap.ScopeIntercept, keymap.ActInterceptToggle)
		h.wait("intercept: on (no filter)")
		h.press(keymap.ScopeIntercept, keymap.ActInterceptToggle)
		h.wait("intercept: off")
		if h.app.engine.Intercepting() {
			t.Errorf("siphon %v: I twice left interception on", args)
		}
	}
}

// With breakpoint rules interception starts on, and a matching request
// pauses without any key pressed.
func TestTUIInterceptStartsOnWithBreakpoints(t *testing.T) {
	rules := filepath.Join(t.TempDir(), "rules.yaml")
	must(t, os.WriteFile(rules, []byte("- name: hold\n  match: ~u /hold\n  breakpoint: request\n"), 0o644))
	h := startTUIHarness(t, "--rules", rules)
	if !h.app.engine.Intercepting() {
		t.Fatal("breakpoint rules given, interception off")
	}
	origin := newRecordingOrigin(t, false)
	client := h.send("GET", origin.URL+"/hold", "", nil)
	h.wait("intercept: on (no filter) · ⏸ 1 paused")
	noRequest(t, origin, "the breakpoint rule holds the request")
	h.press(keymap.ScopeIntercept, keymap.ActResumeAll)
	if x := outcome(t, client); x.status != 200 {
		t.Fatalf("resumed: %+v", x)
	}
	origin.next(t)
}
