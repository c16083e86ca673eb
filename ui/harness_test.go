package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/siphonproxy/siphon/internal/testutil/tuitest"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/pager"
)

// helpText is what m's help screen shows, as ? fills it.
func helpText(m *Model) string {
	return strings.Join(m.screens[pageHelp].(*pager.Screen).Fill(), "\n")
}

// start runs the whole UI over store in a w×h terminal.
func start(t *testing.T, store *session.Store, w, h int, opts ...Option) *teatest.TestModel {
	t.Helper()
	opts = append([]Option{WithLocation(time.UTC), WithListen("127.0.0.1:8080")}, opts...)
	tm := teatest.NewTestModel(t, New(store, opts...), teatest.WithInitialTermSize(w, h))
	t.Cleanup(func() { tm.Quit() })
	return tm
}

// waitScreen waits until everything in want has been drawn: it is
// tuitest.WaitScreen under the short name ui's tests use.
func waitScreen(t *testing.T, tm *teatest.TestModel, want ...string) {
	t.Helper()
	tuitest.WaitScreen(t, tm, want...)
}

// press sends the first key bound to action in scope.
func press(tm *teatest.TestModel, scope keymap.Scope, a keymap.Action) {
	tm.Send(keymap.Default().KeyMsg(scope, a))
}

// typeText types s and presses enter.
func typeText(tm *teatest.TestModel, s string) {
	tm.Type(s)
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
}

// finish quits the program and returns the final model.
func finish(t *testing.T, tm *teatest.TestModel) *Model {
	t.Helper()
	must(t, tm.Quit())
	return tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
}
