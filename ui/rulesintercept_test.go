package ui

import (
	"os"
	"path/filepath"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// With interception off (siphon's start without breakpoint rules),
// turning a breakpoint rule on in the rules view, or adding one, turns
// interception on: the user means it to pause flows.
func TestBreakpointRuleTurnsInterceptionOn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rules.yaml")
	must(t, os.WriteFile(path, []byte("- name: hold\n  match: ~u /v1/login\n  enabled: false\n  breakpoint: request\n"), 0o644))
	e := intercept.New(intercept.Config{})
	must(t, e.LoadFiles(path))
	e.SetIntercepting(false)
	tm := start(t, fixedStore(t), 120, 20, WithEngine(e))
	waitScreen(t, tm, "/v1/slow", "intercept: off")

	press(tm, keymap.ScopeGlobal, keymap.ActRules)
	press(tm, keymap.ScopeRules, keymap.ActToggle)
	waitScreen(t, tm, `rule "hold" on; interception is on`)
	if !e.Intercepting() {
		t.Fatal("turning a breakpoint rule on left interception off")
	}
	press(tm, keymap.ScopeRules, keymap.ActBack)
	press(tm, keymap.ScopeIntercept, keymap.ActInterceptToggle)
	waitScreen(t, tm, "intercept: off")

	press(tm, keymap.ScopeGlobal, keymap.ActRules)
	press(tm, keymap.ScopeRules, keymap.ActNewRule)
	waitScreen(t, tm, "new rule, match: ~m ^GET$")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitScreen(t, tm, "action (as in a rules file): breakpoint: request")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitScreen(t, tm, "(breakpoint request); interception is on")
	finish(t, tm)
	if !e.Intercepting() || len(e.Rules()) != 2 {
		t.Errorf("after adding a breakpoint rule: intercepting %v, %d rules", e.Intercepting(), len(e.Rules()))
	}
}
