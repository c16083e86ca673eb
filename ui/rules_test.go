package ui

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/siphonproxy/siphon/filter"
	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
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
		added.Rule.Match != `~m ^POST$ & ~u '^https://api\.example\.com(:443)?/v1/login([?#]|$)'` {
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

// The match made from a flow takes its scheme, port and path: it matches
// the flow (with any query, and with its default port written or not),
// and not the same path on another scheme or port, nor another path.
func TestMatchForSchemeAndPort(t *testing.T) {
	for _, c := range []struct {
		flow      string
		match, no []string
	}{
		{"https://host.test:8443/path",
			[]string{"https://host.test:8443/path?q=1", "HTTPS://HOST.test:8443/path#top"},
			[]string{"http://host.test/path", "http://host.test:8443/path", "https://host.test/path",
				"https://host.test:9443/path", "https://host.test:8443/path/more", "https://host.test:8443/pathx",
				"https://host.test:84430/path", "https://evil.test/?https://host.test:8443/path"}},
		{"https://host.test/path",
			[]string{"https://host.test:443/path", "https://host.test/path?x"},
			[]string{"http://host.test/path", "https://host.test:8443/path", "http://host.test:443/path"}},
		{"http://host.test:80/",
			[]string{"http://host.test", "http://host.test/", "http://host.test/?a=b"},
			[]string{"https://host.test/", "http://host.test:8080/", "http://host.test/other"}},
		{"http://[::1]:9/x%2Fy",
			[]string{"http://[::1]:9/x%2Fy"},
			[]string{"http://[::1]:8/x%2Fy", "https://[::1]:9/x%2Fy", "http://[::1]:9/x/y"}},
	} {
		f := &session.Flow{Request: &session.Request{Method: "PUT", URL: c.flow}}
		expr := matchFor(f)
		r, err := newRule("t", expr, "breakpoint: request")
		if err != nil {
			t.Fatalf("%s: %q: %v", c.flow, expr, err)
		}
		flt, err := filter.Parse(r.Match)
		must(t, err)
		for _, u := range append([]string{c.flow}, c.match...) {
			if !flt.Match(&session.Flow{Request: &session.Request{Method: "PUT", URL: u}}) {
				t.Errorf("%q (from %s) does not match %s", expr, c.flow, u)
			}
		}
		for _, u := range c.no {
			if flt.Match(&session.Flow{Request: &session.Request{Method: "PUT", URL: u}}) {
				t.Errorf("%q (from %s) matches %s", expr, c.flow, u)
			}
		}
		if flt.Match(&session.Flow{Request: &session.Request{Method: "GET", URL: c.flow}}) {
			t.Errorf("%q matches another method", expr)
		}
	}
}

// quoteArg's quoted strings read back as the regex quoted: a regex's
// escapes keep their meaning, and backslashes and quotes survive.
func TestQuoteArgRoundTrip(t *testing.T) {
	url := func(path string) *session.Flow {
		return &session.Flow{Request: &session.Request{Method: "GET", URL: "http://h.test/" + path}}
	}
	for _, text := range []string{`a b`, `(x)`, `it's`, `"q"`, `\`, `end\`, `a\'b`, `a\"b`, `\\'`, `~d x`} {
		flt, err := filter.Parse("~u " + quoteArg(regexp.QuoteMeta(text)+"$"))
		if err != nil {
			t.Errorf("%q: %v", text, err)
			continue
		}
		if !flt.Match(url(text)) || flt.Match(url(text+"x")) {
			t.Errorf("%q quoted as %s does not match exactly", text, quoteArg(regexp.QuoteMeta(text)+"$"))
		}
	}
	flt, err := filter.Parse("~u " + quoteArg(`a \.$`))
	must(t, err)
	if !flt.Match(url("a .")) || flt.Match(url("a x")) {
		t.Errorf(`%s: \. is not an escaped dot`, quoteArg(`a \.$`))
	}
}
