package rules

import (
	"path/filepath"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/prompt"
	"github.com/siphonproxy/siphon/ui/style"
)

// fakeHost answers the view's questions as a test tells it to.
type fakeHost struct {
	said   []string
	answer string // typed into every input
}

func (h *fakeHost) Say(text string) tea.Cmd {
	h.said = append(h.said, text)
	return nil
}

func (h *fakeHost) Ask(_, _ string, check func(string) error, then func(string) tea.Cmd) tea.Cmd {
	if check != nil {
		if err := check(h.answer); err != nil {
			h.said = append(h.said, "check: "+err.Error())
			return nil
		}
	}
	return then(h.answer)
}

func (h *fakeHost) Confirm(_ string, then func() tea.Cmd) tea.Cmd { return then() }

func (h *fakeHost) Asking() bool                                               { return false }
func (h *fakeHost) Choose(string, []prompt.Choice, func(rune) tea.Cmd) tea.Cmd { return nil }

// fakeEngine holds rules in memory and records where it saved them.
type fakeEngine struct {
	rules []intercept.RuleStatus
	saved []string
	on    bool
}

func (e *fakeEngine) Rules() []intercept.RuleStatus { return e.rules }
func (e *fakeEngine) LoadErrors() []error           { return nil }
func (e *fakeEngine) Toggle(string) (bool, error)   { return false, nil }
func (e *fakeEngine) AddRule(r *intercept.Rule) (string, error) {
	e.rules = append(e.rules, intercept.RuleStatus{ID: r.Name, Rule: r, Added: true, Enabled: true})
	return r.Name, nil
}
func (e *fakeEngine) RemoveRule(string) error { return nil }
func (e *fakeEngine) SaveRules(path string) error {
	e.saved = append(e.saved, path)
	return nil
}
func (e *fakeEngine) Intercepting() bool      { return e.on }
func (e *fakeEngine) SetIntercepting(on bool) { e.on = on }

// Saving the added rules writes the file in the command the key returns,
// never on the event loop, and the command's message says where.
func TestSaveRulesInCommand(t *testing.T) {
	keys := keymap.Default()
	e := &fakeEngine{}
	host := &fakeHost{}
	// n asks for the match, then the action.
	m := New(&twoAnswers{fakeHost: host, answers: []string{"~d example.com", "breakpoint: request"}},
		e, keys, style.NewStyles(style.DefaultTheme()))
	m.Open(nil)
	m.Key(keys.KeyMsg(keymap.ScopeRules, keymap.ActNewRule))
	if len(e.rules) != 1 || !e.on {
		t.Fatalf("after n: rules %v, intercepting %v; said %q", e.rules, e.on, host.said)
	}

	path := filepath.Join(t.TempDir(), "rules.yaml")
	host.answer = path
	m.host = host
	cmd := m.Key(keys.KeyMsg(keymap.ScopeRules, keymap.ActSaveRules))
	if len(e.saved) != 0 {
		t.Fatalf("the rules were saved on the event loop, before the command ran")
	}
	if cmd == nil {
		t.Fatalf("s returned no command; said %q", host.said)
	}
	msg, ok := cmd().(prompt.Status)
	if !ok || len(e.saved) != 1 || e.saved[0] != path {
		t.Fatalf("after the command: message %#v, saved to %q", msg, e.saved)
	}
	if want := "saved 1 rule to " + path + " (siphon --rules " + path + " loads them)"; msg.Text != want {
		t.Errorf("message %q, want %q", msg.Text, want)
	}
}

// twoAnswers types its answers into the inputs in turn.
type twoAnswers struct {
	*fakeHost
	answers []string
}

func (h *twoAnswers) Ask(label, value string, check func(string) error, then func(string) tea.Cmd) tea.Cmd {
	h.fakeHost.answer, h.answers = h.answers[0], h.answers[1:]
	return h.fakeHost.Ask(label, value, check, then)
}
