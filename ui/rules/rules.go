// Package rules is the rules view: the rules engine's rules in the order
// they apply, turned on and off, added from a flow and saved to a file,
// and the mistakes that keep a rules file from reloading.
package rules

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/prompt"
	"github.com/siphonproxy/siphon/ui/style"
)

// Engine is what the rules view needs of the rules engine
// (*intercept.Engine).
type Engine interface {
	Rules() []intercept.RuleStatus
	LoadErrors() []error
	Toggle(id string) (bool, error)
	AddRule(r *intercept.Rule) (string, error)
	RemoveRule(id string) error
	// SaveRules writes a file; it runs in a command, off the event loop.
	SaveRules(path string) error
	Intercepting() bool
	SetIntercepting(on bool)
}

// Model is the rules view with its keys.
type Model struct {
	host   prompt.Host
	engine Engine
	keys   keymap.Map
	list   list
	focus  *session.Flow // the flow n makes a rule from
	errs   string        // the rules files' reload errors last said, "" for none
}

// New returns the rules view over engine.
func New(host prompt.Host, engine Engine, keys keymap.Map, st style.Styles) *Model {
	return &Model{host: host, engine: engine, keys: keys, list: newList(keys, st)}
}

// SetSize sets the view's area.
func (m *Model) SetSize(width, height int) { m.list.SetSize(width, height) }

// Open shows the rules as they are now; n adds a rule made from focus
// (nil for none).
func (m *Model) Open(focus *session.Flow) {
	m.focus = focus
	m.Refresh()
}

// Opened opens the view from focus when the root opens its page; opened
// again (its key pressed on it), it keeps the focus it was opened from.
func (m *Model) Opened(focus *session.Flow, again bool) {
	if !again {
		m.Open(focus)
	}
}

// Refresh shows the rules as they are now (their hit counts change).
func (m *Model) Refresh() { m.list.SetRules(m.engine.Rules(), m.engine.LoadErrors()) }

// Update handles a key (but back, which the root handles) or the mouse.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyMsg); ok {
		return m.Key(k)
	}
	m.list, _ = m.list.Update(msg)
	return nil
}

// View draws the view.
func (m *Model) View() string { return m.list.View() }

// Key handles a key of the rules view but back, which the root handles.
func (m *Model) Key(msg tea.KeyMsg) tea.Cmd {
	b, ok := m.keys.Lookup(keymap.ScopeRules, msg)
	if !ok {
		return nil
	}
	e, sel := m.engine, m.list.Selected()
	switch b.Action {
	case keymap.ActUp, keymap.ActDown:
		m.list, _ = m.list.Update(msg)
	case keymap.ActToggle:
		if sel == nil {
			return nil
		}
		on, err := e.Toggle(sel.ID)
		if err != nil {
			return m.host.Say(err.Error())
		}
		note := ""
		if on {
			note = m.interceptFor(sel.Rule)
		}
		m.Refresh()
		return m.host.Say(fmt.Sprintf("rule %q %s%s", sel.Rule.Name, map[bool]string{true: "on", false: "off"}[on], note))
	case keymap.ActDelete:
		if sel == nil {
			return nil
		}
		if !sel.Added {
			return m.host.Say(fmt.Sprintf("rule %q comes from %s: remove it there (the file is reloaded)", sel.Rule.Name, sel.Rule.File))
		}
		if err := e.RemoveRule(sel.ID); err != nil {
			return m.host.Say(err.Error())
		}
		m.Refresh()
		return m.host.Say(fmt.Sprintf("removed rule %q", sel.Rule.Name))
	case keymap.ActNewRule:
		return m.host.Ask("new rule, match", matchFor(m.focus), prompt.CheckFilter, func(match string) tea.Cmd {
			return m.host.Ask("action (as in a rules file)", "breakpoint: request", func(action string) error {
				_, err := newRule("check", match, action)
				return err
			}, func(action string) tea.Cmd { return m.addRule(match, action) })
		})
	case keymap.ActSaveRules:
		return m.save()
	}
	return nil
}

// addRule adds the rule made of match and action, named after the flow
// it was made from.
func (m *Model) addRule(match, action string) tea.Cmd {
	name := ruleName(m.focus, m.engine.Rules())
	r, err := newRule(name, match, action)
	if err != nil {
		return m.host.Say(err.Error())
	}
	if _, err := m.engine.AddRule(r); err != nil {
		return m.host.Say(err.Error())
	}
	note := m.interceptFor(r)
	m.Refresh()
	return m.host.Say(fmt.Sprintf("added rule %q (%s)%s; s saves the added rules to a file", name, ruleAction(r), note))
}

// interceptFor turns interception on when the user has just turned on or
// added the breakpoint rule r, which would not pause anything otherwise;
// it returns what to add to the message about the rule.
func (m *Model) interceptFor(r *intercept.Rule) string {
	if r.Breakpoint == intercept.NoBreakpoint || m.engine.Intercepting() {
		return ""
	}
	m.engine.SetIntercepting(true)
	return "; interception is on"
}

// save asks where to save the rules added here, refusing a file the rules
// are loaded from (saving replaces a file's rules with the added ones),
// and asks before replacing another file. The file is written by a
// command, off the event loop.
func (m *Model) save() tea.Cmd {
	e := m.engine
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
		return m.host.Say("no rules were added here: n adds one")
	}
	check := func(p string) error {
		if strings.TrimSpace(p) == "" {
			return errors.New("type a file name")
		}
		if abs, err := filepath.Abs(prompt.ExpandHome(p)); err == nil && loaded[abs] {
			return errors.New("rules are loaded from this file: saving would replace them with the added ones; choose another")
		}
		return nil
	}
	return m.host.Ask(fmt.Sprintf("save %s to", style.Count(n, "added rule")), "siphon-rules.yaml", check, func(p string) tea.Cmd {
		path := prompt.ExpandHome(p)
		save := func() tea.Cmd {
			return func() tea.Msg {
				if err := e.SaveRules(path); err != nil {
					return prompt.Status{Text: err.Error()}
				}
				if abs, err := filepath.Abs(path); err == nil {
					path = abs
				}
				return prompt.Statusf("saved %s to %s (siphon --rules %s loads them)", style.Count(n, "rule"), path, path)
			}
		}
		if _, err := os.Stat(path); err == nil {
			return m.host.Confirm(path+" exists: replace it?", save)
		}
		return save()
	})
}

// EngineChanged takes in a change of the engine's rules or of the rules
// files' reload errors, and says when a rules file fails to reload
// (FILE:LINE: what is wrong; its rules stay as they were) or is fixed.
// shown: the view is on screen.
func (m *Model) EngineChanged(shown bool) tea.Cmd {
	if m == nil {
		return nil // no rules engine
	}
	errs := m.engine.LoadErrors()
	if shown {
		m.list.SetRules(m.engine.Rules(), errs)
	}
	var lines []string
	for _, err := range errs {
		for l := range strings.SplitSeq(err.Error(), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
	}
	now, was := strings.Join(lines, "\n"), m.errs
	if now == was {
		return nil
	}
	m.errs = now
	switch {
	case now != "":
		more := ""
		if len(lines) > 1 {
			more = fmt.Sprintf(" (and %d more: R lists them)", len(lines)-1)
		}
		return m.host.Say("rules not reloaded, the previous rules stay active: " + lines[0] + more)
	case was != "":
		return m.host.Say("rules reloaded: the rules files are fixed")
	}
	return nil
}

// Status is what the status bar says about the rules until a file that
// failed to reload is fixed (the message saying why expires); "" when
// nothing is wrong, or without rules (a nil Model).
func (m *Model) Status() string {
	if m != nil && m.errs != "" {
		return "rules not reloaded (R)"
	}
	return ""
}
