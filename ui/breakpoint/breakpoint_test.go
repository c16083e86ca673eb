package breakpoint

import (
	"github.com/siphonproxy/siphon/ui/prompt"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/style"
)

type fakeHost struct{ said []string }

func (h *fakeHost) Say(text string) tea.Cmd {
	h.said = append(h.said, text)
	return nil
}
func (h *fakeHost) Ask(string, string, func(string) error, func(string) tea.Cmd) tea.Cmd { return nil }
func (h *fakeHost) Confirm(string, func() tea.Cmd) tea.Cmd                               { return nil }
func (h *fakeHost) Asking() bool                                                         { return false }
func (h *fakeHost) Choose(string, []prompt.Choice, func(rune) tea.Cmd) tea.Cmd           { return nil }

// fakeEngine holds paused flows and records what the keys resolve.
type fakeEngine struct {
	paused []intercept.PausedFlow
	done   []string // "resume id", "kill id"
}

func (e *fakeEngine) InterceptFilter() string                      { return "" }
func (e *fakeEngine) SetInterceptFilter(string) error              { return nil }
func (e *fakeEngine) Intercepting() bool                           { return true }
func (e *fakeEngine) SetIntercepting(bool)                         {}
func (e *fakeEngine) Paused() []intercept.PausedFlow               { return e.paused }
func (e *fakeEngine) ResumeAll() int                               { return len(e.paused) }
func (e *fakeEngine) EditRequest(string, *session.Request) error   { return nil }
func (e *fakeEngine) EditResponse(string, *session.Response) error { return nil }
func (e *fakeEngine) Answer(string, *session.Response) error       { return nil }
func (e *fakeEngine) Resume(id string) error {
	e.done = append(e.done, "resume "+id)
	return nil
}
func (e *fakeEngine) Kill(id string) error {
	e.done = append(e.done, "kill "+id)
	return intercept.ErrNotPaused
}

// a resumes the paused flow under the cursor; X on a flow released
// meanwhile says so; a on a flow that is not paused says that; the
// status bar counts the paused flows.
func TestInterceptKeysOnAFakeEngine(t *testing.T) {
	paused := &session.Flow{ID: "p", Seq: 3, State: session.Intercepted}
	e := &fakeEngine{paused: []intercept.PausedFlow{{ID: "p", Phase: intercept.RequestPhase, Flow: paused}}}
	host := &fakeHost{}
	m := New(host, Config{Engine: e, Keys: keymap.Default(), Styles: style.NewStyles(style.DefaultTheme())})
	m.EngineChanged()
	if s := m.Status(); s != "intercept: on (no filter) · ⏸ 1 paused" {
		t.Errorf("status %q", s)
	}
	m.Key(keymap.ActResume, paused)
	m.Key(keymap.ActKill, paused)
	m.Key(keymap.ActResume, &session.Flow{ID: "q", Seq: 4})
	want := []string{"resumed flow #3", "flow #3 is no longer paused (resumed, timed out, or its client left)",
		"flow #4 is not paused at a breakpoint"}
	if len(e.done) != 2 || e.done[0] != "resume p" || e.done[1] != "kill p" || len(host.said) != 3 {
		t.Fatalf("engine did %q; said %q", e.done, host.said)
	}
	for i, w := range want {
		if host.said[i] != w {
			t.Errorf("said %q, want %q", host.said[i], w)
		}
	}
	// Without an engine the keys say there is no proxy.
	none := New(host, Config{Keys: keymap.Default()})
	none.Key(keymap.ActResumeAll, nil)
	if last := host.said[len(host.said)-1]; last != keymap.NoProxy || none.Status() != "intercept: off" {
		t.Errorf("without an engine: said %q, status %q", last, none.Status())
	}
}
