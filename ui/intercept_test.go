package ui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// A flow paused at a breakpoint is marked ⏸ in the list, and with the
// cursor on it the hint bar offers what can be done with it. A flow the
// store still shows as paused but the engine has released (a race with a
// timeout) is refused with a message, not acted on.
func TestPausedFlowInList(t *testing.T) {
	store := fixedStore(t)
	store.Add(&session.Flow{State: session.Intercepted, Request: req("POST", "https://api.example.com/v1/orders", nil, `{"item":1}`)})
	e := intercept.New(intercept.Config{})
	tm := start(t, store, 120, 16, WithEngine(e))
	waitScreen(t, tm, "/v1/orders")
	press(tm, keymap.ScopeList, keymap.ActBottom)
	waitScreen(t, tm, "a resume")
	press(tm, keymap.ScopeIntercept, keymap.ActResume)
	waitScreen(t, tm, "flow #11 is not paused at a breakpoint")
	golden.RequireEqual(t, []byte(finish(t, tm).View()))
}

// i opens the intercept filter, checked as it is typed; enter sets it on
// the engine and turns interception on; I turns it off.
func TestInterceptFilterKeys(t *testing.T) {
	e := intercept.New(intercept.Config{})
	e.SetIntercepting(false)
	tm := start(t, fixedStore(t), 120, 16, WithEngine(e))
	waitScreen(t, tm, "intercept: off")
	press(tm, keymap.ScopeIntercept, keymap.ActIntercept)
	tm.Type("~u /login ~zz")
	waitScreen(t, tm, "^ unknown operator")
	typeText(tm, "") // refused while wrong
	for range len(" ~zz") {
		tm.Send(tea.KeyMsg{Type: tea.KeyBackspace})
	}
	typeText(tm, "")
	waitScreen(t, tm, "intercept: ~u /login")
	if !e.Intercepting() || e.InterceptFilter() != "~u /login" {
		t.Fatalf("engine: intercepting %v, filter %q", e.Intercepting(), e.InterceptFilter())
	}
	press(tm, keymap.ScopeIntercept, keymap.ActInterceptToggle)
	waitScreen(t, tm, "intercept: off")
	finish(t, tm)
	if e.Intercepting() {
		t.Errorf("I left interception on")
	}
}
