package ui

import (
	"os"
	"path/filepath"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// engineWithRules is an engine with a rules file of two rules and one
// rule added at run time.
func engineWithRules(t *testing.T) (*intercept.Engine, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rules.yaml")
	must(t, os.WriteFile(path, []byte(`- name: slow API
  match: ~d api.example.com
  throttle: {latency: 300ms, bandwidth: 1mbit}
- name: no ads
  match: ~d ads\.
  enabled: false
  block: drop
`), 0o644))
	e := intercept.New(intercept.Config{})
	must(t, e.LoadFiles(path))
	if _, err := e.AddRule(&intercept.Rule{Name: "hold logins", Match: "~u /login", Breakpoint: intercept.BreakRequest}); err != nil {
		t.Fatal(err)
	}
	return e, path
}

// The rules view lists rules in the order they apply, with state, action,
// match, hits and origin; the status bar tells the intercept state.
func TestGoldenRulesView(t *testing.T) {
	e, _ := engineWithRules(t)
	tm := start(t, fixedStore(t), 120, 16, WithEngine(e))
	waitScreen(t, tm, "/v1/slow")
	press(tm, keymap.ScopeGlobal, keymap.ActRules)
	press(tm, keymap.ScopeRules, keymap.ActDown)
	waitScreen(t, tm, "hold logins", "throttle 300ms 1mbit", "block drop")
	golden.RequireEqual(t, []byte(finish(t, tm).View()))
}

// In the rules view space toggles, d removes only added rules, and n
// offers a match made from the flow under the list's cursor; the action
// is checked as it is typed, and the rule is added with the flow's name.
func TestRulesViewKeys(t *testing.T) {
	e, path := engineWithRules(t)
	tm := start(t, fixedStore(t), 120, 24, WithEngine(e))
	waitScreen(t, tm, "/v1/slow")
	press(tm, keymap.ScopeList, keymap.ActDown) // POST https://api.example.com/v1/login
	press(tm, keymap.ScopeGlobal, keymap.ActRules)
	press(tm, keymap.ScopeRules, keymap.ActDown)
	press(tm, keymap.ScopeRules, keymap.ActToggle)
	waitScreen(t, tm, `rule "no ads" on`)
	press(tm, keymap.ScopeRules, keymap.ActDelete)
	waitScreen(t, tm, `rule "no ads" comes from `+path)

	press(tm, keymap.ScopeRules, keymap.ActNewRule)
	waitScreen(t, tm, `new rule, match: ~m ^POST$ & ~u '^https://api\.example\.com(:443)?/v1/login([?#]|$)'`)
	typeText(tm, "")
	waitScreen(t, tm, "action (as in a rules file): breakpoint: request")
	tm.Type("x")
	// The kinds after these two grow with the engine's (messages).
	waitScreen(t, tm, `bad breakpoint "requestx": want request, response`)
	typeText(tm, "") // enter does nothing while the action is wrong
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlU})
	typeText(tm, "mock: {status: 201}")
	waitScreen(t, tm, `added rule "POST api.example.com/v1/login" (mock 201)`)
	m := finish(t, tm)

	rules := e.Rules()
	if len(rules) != 4 || !rules[1].Enabled {
		t.Fatalf("rules: %+v", rules)
	}
	added := rules[3]
	if !added.Added || added.Rule.Mock == nil || added.Rule.Mock.Status != 201 ||
		added.Rule.Match != `~m ^POST$ & ~u '^https://api\.example\.com(:443)?/v1/login([?#]|$)'` {
		t.Fatalf("added rule: %+v %+v", added, added.Rule)
	}
	if st := m.State(); st.Page != "rules" {
		t.Errorf("page %s", st.Page)
	}
}
