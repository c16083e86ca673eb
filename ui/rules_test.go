package ui

import (
	"os"
	"path/filepath"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/siphonproxy/siphon/filter"
	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
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
	press(tm, ScopeGlobal, ActRules)
	press(tm, ScopeRules, ActDown)
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
	press(tm, ScopeList, ActDown) // POST https://api.example.com/v1/login
	press(tm, ScopeGlobal, ActRules)
	press(tm, ScopeRules, ActDown)
	press(tm, ScopeRules, ActToggle)
	waitScreen(t, tm, `rule "no ads" on`)
	press(tm, ScopeRules, ActDelete)
	waitScreen(t, tm, `rule "no ads" comes from `+path)

	press(tm, ScopeRules, ActNewRule)
	waitScreen(t, tm, `new rule, match: ~m ^POST$ & ~d ^api\.example\.com$ & ~u /v1/login`)
	typeText(tm, "")
	waitScreen(t, tm, "action (as in a rules file): breakpoint: request")
	tm.Type("x")
	waitScreen(t, tm, `bad breakpoint "requestx": want request, response or both`)
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
		added.Rule.Match != `~m ^POST$ & ~d ^api\.example\.com$ & ~u /v1/login` {
		t.Fatalf("added rule: %+v %+v", added, added.Rule)
	}
	if st := m.State(); st.Page != "rules" {
		t.Errorf("page %s", st.Page)
	}
}

// The match made from a flow parses and matches the flow it came from,
// whatever its URL holds.
func TestMatchForFlow(t *testing.T) {
	for _, u := range []string{
		"https://api.example.com/v1/users?x=1",
		"http://127.0.0.1:8080/",
		"http://h.test/a b/(c)/it's~/\"q\"",
		"http://[::1]:9/x%2Fy",
	} {
		f := &session.Flow{Request: &session.Request{Method: "GET", URL: u}}
		expr := matchFor(f)
		r, err := newRule("t", expr, "breakpoint: request")
		if err != nil {
			t.Errorf("%s: %q: %v", u, expr, err)
			continue
		}
		flt, err := filter.Parse(r.Match)
		if err != nil || !flt.Match(f) {
			t.Errorf("%s: %q does not match its flow (%v)", u, expr, err)
		}
	}
	if got := ruleName(nil, []intercept.RuleStatus{{Added: true, Rule: &intercept.Rule{Name: "rule"}}}); got != "rule (2)" {
		t.Errorf("second unnamed rule: %q", got)
	}
}
