package ui

import (
	"os"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/ui/keymap"
)

// A rules file that fails to reload while the UI runs is said in the
// status bar, with FILE:LINE and that the previous rules stay active, and
// marked there until it is fixed; fixing it is said too.
func TestRulesReloadErrorInStatusBar(t *testing.T) {
	e, path := engineWithRules(t)
	tm := start(t, fixedStore(t), 240, 24, WithEngine(e))
	waitScreen(t, tm, "/v1/slow")

	must(t, os.WriteFile(path, []byte("- name: slow API\n  match: ~d api.example.com\n  throttle: {latency: soon}\n"), 0o644))
	if err := e.Reload(); err == nil || !strings.Contains(err.Error(), path+":3:") {
		t.Fatalf("reload of the broken file: %v, want an error at %s:3", err, path)
	}
	waitScreen(t, tm, "rules not reloaded, the previous rules stay active: "+path+":3: ")
	if n := len(e.Rules()); n != 3 {
		t.Errorf("%d rules active after the failed reload, want the 3 there were", n)
	}
	// Another message replaces that one; the mark stays.
	press(tm, keymap.ScopeList, keymap.ActSort)
	waitScreen(t, tm, "sorted by", "rules not reloaded (R)")

	must(t, os.WriteFile(path, []byte("- name: slow API\n  match: ~d api.example.com\n  throttle: {latency: 1s}\n"), 0o644))
	must(t, e.Reload())
	waitScreen(t, tm, "rules reloaded: the rules files are fixed")
	m := finish(t, tm)
	if line := m.statusLine(); strings.Contains(line, "rules not reloaded") {
		t.Errorf("status bar after the fix: %q", line)
	}
}
