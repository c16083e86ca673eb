package ui

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/prompt"
	"github.com/siphonproxy/siphon/ui/style"
)

// openRules shows the rules view; n there adds a rule from focus.
func (m *Model) openRules(focus *session.Flow) tea.Cmd {
	e := m.opts.engine
	if e == nil {
		return m.say(noProxy)
	}
	if m.page == pageRules {
		return nil
	}
	m.rulesBack = m.page
	if m.page == pageHelp || m.page == pageEvents {
		m.rulesBack = m.back
	}
	m.rulesFocus = focus
	m.page = pageRules
	m.rules.SetRules(e.Rules(), e.LoadErrors())
	return nil
}

// rulesKey handles a key on the rules view.
func (m *Model) rulesKey(msg tea.KeyMsg) tea.Cmd {
	b, ok := m.keys.Lookup(keymap.ScopeRules, msg)
	if !ok {
		return nil
	}
	e := m.opts.engine
	sel := m.rules.Selected()
	switch b.Action {
	case keymap.ActBack:
		m.page = m.rulesBack
	case keymap.ActUp, keymap.ActDown:
		m.rules, _ = m.rules.Update(msg)
	case keymap.ActToggle:
		if sel == nil {
			return nil
		}
		on, err := e.Toggle(sel.ID)
		if err != nil {
			return m.say(err.Error())
		}
		note := ""
		if on {
			note = m.interceptFor(sel.Rule)
		}
		m.rules.SetRules(e.Rules(), e.LoadErrors())
		return m.say(fmt.Sprintf("rule %q %s%s", sel.Rule.Name, map[bool]string{true: "on", false: "off"}[on], note))
	case keymap.ActDelete:
		if sel == nil {
			return nil
		}
		if !sel.Added {
			return m.say(fmt.Sprintf("rule %q comes from %s: remove it there (the file is reloaded)", sel.Rule.Name, sel.Rule.File))
		}
		if err := e.RemoveRule(sel.ID); err != nil {
			return m.say(err.Error())
		}
		m.rules.SetRules(e.Rules(), e.LoadErrors())
		return m.say(fmt.Sprintf("removed rule %q", sel.Rule.Name))
	case keymap.ActNewRule:
		return m.Ask("new rule, match", matchFor(m.rulesFocus), prompt.CheckFilter, func(match string) tea.Cmd {
			return m.Ask("action (as in a rules file)", "breakpoint: request", func(action string) error {
				_, err := newRule("check", match, action)
				return err
			}, func(action string) tea.Cmd { return m.addRule(match, action) })
		})
	case keymap.ActSaveRules:
		return m.saveRules()
	}
	return nil
}

// addRule adds the rule made of match and action, named after the flow
// it was made from.
func (m *Model) addRule(match, action string) tea.Cmd {
	e := m.opts.engine
	name := ruleName(m.rulesFocus, e.Rules())
	r, err := newRule(name, match, action)
	if err != nil {
		return m.say(err.Error())
	}
	if _, err := e.AddRule(r); err != nil {
		return m.say(err.Error())
	}
	note := m.interceptFor(r)
	m.rules.SetRules(e.Rules(), e.LoadErrors())
	return m.say(fmt.Sprintf("added rule %q (%s)%s; s saves the added rules to a file", name, ruleAction(r), note))
}

// interceptFor turns interception on when the user has just turned on or
// added the breakpoint rule r, which would not pause anything otherwise;
// it returns what to add to the message about the rule.
func (m *Model) interceptFor(r *intercept.Rule) string {
	e := m.opts.engine
	if r.Breakpoint == intercept.NoBreakpoint || e.Intercepting() {
		return ""
	}
	e.SetIntercepting(true)
	return "; interception is on"
}

// newRule reads a rule from its match expression and one action written
// as in a rules file ("breakpoint: request", "block: 403",
// "mock: {status: 200, body: hi}").
func newRule(name, match, action string) (*intercept.Rule, error) {
	doc := "- name: " + strconv.Quote(name) + "\n  match: " + strconv.Quote(match) + "\n  " + action + "\n"
	rules, err := intercept.Parse([]byte(doc), "new rule", ".")
	if err != nil {
		var fe *intercept.FileError
		if errors.As(err, &fe) {
			return nil, errors.New(fe.Msg)
		}
		return nil, err
	}
	if len(rules) != 1 {
		return nil, errors.New("want one action, as in: breakpoint: request")
	}
	return rules[0], nil
}

// matchFor is a filter expression that matches requests like f: the same
// method, and the same scheme, host, port and path (any query), as one
// ~u regex anchored on the URL as recorded. A default port may be written
// or not ("https://h/" is "https://h:443/"), so either matches.
func matchFor(f *session.Flow) string {
	if f == nil || f.Request == nil {
		return ""
	}
	expr := "~m " + quoteArg("^"+regexp.QuoteMeta(f.Request.Method)+"$")
	if re := urlRegex(f.Request.URL); re != "" {
		expr += " & ~u " + quoteArg(re)
	}
	return expr
}

// defaultPort is the port a URL of scheme (lower case) may leave out; ""
// for a scheme without one.
func defaultPort(scheme string) string {
	switch scheme {
	case "http", "ws":
		return "80"
	case "https", "wss":
		return "443"
	}
	return ""
}

// urlRegex is a regex that matches raw's scheme, authority and path, with
// any query or fragment; "" when raw is not absolute. It works on the URL
// as recorded, not as url.URL would re-escape it.
func urlRegex(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok || scheme == "" {
		return ""
	}
	authority, path := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	host, port := authority, ""
	if i := strings.LastIndexByte(authority, ':'); i >= 0 && i > strings.LastIndexByte(authority, ']') {
		host, port = authority[:i], authority[i+1:]
	}
	re := "^" + regexp.QuoteMeta(scheme) + "://" + regexp.QuoteMeta(host)
	switch def := defaultPort(strings.ToLower(scheme)); {
	case def != "" && (port == "" || port == def):
		re += "(:" + def + ")?"
	case port != "":
		re += regexp.QuoteMeta(":" + port)
	}
	if path == "" || path == "/" {
		re += "/?"
	} else {
		re += regexp.QuoteMeta(path)
	}
	return re + "([?#]|$)"
}

// quoteArg quotes a filter argument when it holds what ends a word. In
// quotes a backslash stands for itself unless it escapes a backslash or a
// quote, so a regex's escapes are written once.
func quoteArg(s string) string {
	if !strings.ContainsAny(s, " \t()~'\"") && !strings.HasPrefix(s, "&") && !strings.HasPrefix(s, "|") {
		return s
	}
	var b strings.Builder
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			b.WriteString(`\'`)
		case c == '\\' && (i+1 == len(s) || strings.IndexByte(`\'"`, s[i+1]) >= 0):
			b.WriteString(`\\`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// ruleName names a rule after the flow it is made from, unique among the
// rules added here.
func ruleName(f *session.Flow, rules []intercept.RuleStatus) string {
	base := "rule"
	if f != nil && f.Request != nil {
		base = f.Request.Method
		if u, err := url.Parse(f.Request.URL); err == nil {
			base += " " + u.Host + u.Path
		}
		base = style.CapText(style.Printable(base), 60)
	}
	taken := map[string]bool{}
	for _, r := range rules {
		if r.Added {
			taken[r.Rule.Name] = true
		}
	}
	name := base
	for i := 2; taken[name]; i++ {
		name = fmt.Sprintf("%s (%d)", base, i)
	}
	return name
}

// saveRules asks where to save the rules added here, refusing a file the
// rules are loaded from (saving replaces a file's rules with the added
// ones), and asks before replacing another file.
func (m *Model) saveRules() tea.Cmd {
	e := m.opts.engine
	n := 0
	loaded := map[string]bool{}
	for _, r := range e.Rules() {
		if r.Added {
			n++
		} else if abs, err := filepath.Abs(r.Rule.File); err == nil {
			loaded[abs] = true
		}
	}
	if n == 0 {
		return m.say("no rules were added here: n adds one")
	}
	check := func(p string) error {
		if strings.TrimSpace(p) == "" {
			return errors.New("type a file name")
		}
		if abs, err := filepath.Abs(expandHome(p)); err == nil && loaded[abs] {
			return errors.New("rules are loaded from this file: saving would replace them with the added ones; choose another")
		}
		return nil
	}
	return m.Ask(fmt.Sprintf("save %d added rules to", n), "siphon-rules.yaml", check, func(p string) tea.Cmd {
		path := expandHome(p)
		save := func() tea.Cmd {
			if err := e.SaveRules(path); err != nil {
				return m.say(err.Error())
			}
			if abs, err := filepath.Abs(path); err == nil {
				path = abs
			}
			return m.say(fmt.Sprintf("saved %d rules to %s (siphon --rules %s loads them)", n, path, path))
		}
		if _, err := os.Stat(path); err == nil {
			return m.Confirm(path+" exists: replace it?", save)
		}
		return save()
	})
}

// expandHome turns a leading ~/ into the home directory.
func expandHome(p string) string {
	p = strings.TrimSpace(p)
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
}
