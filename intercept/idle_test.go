package intercept

import (
	"context"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

func TestIdleEngineIsNotAsked(t *testing.T) {
	e := New(Config{})
	if !e.Idle() {
		t.Fatal("a new engine without rules should be idle")
	}
	e.SetIntercepting(true)
	if !e.Idle() {
		t.Error("intercepting without a filter or breakpoint rules pauses nothing: idle")
	}
	if err := e.SetInterceptFilter("~u /login"); err != nil {
		t.Fatal(err)
	}
	if e.Idle() {
		t.Error("an intercept filter with interception on is not idle")
	}
	e.SetIntercepting(false)
	if !e.Idle() {
		t.Error("an intercept filter with interception off pauses nothing: idle")
	}
	rules, err := Parse([]byte("- name: m\n  match: ~d example\n  mock:\n    status: 204\n"), "t.yaml", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.AddRule(rules[0])
	if err != nil {
		t.Fatal(err)
	}
	if e.Idle() {
		t.Error("an enabled rule is not idle")
	}
	if err := e.SetEnabled(id, false); err != nil {
		t.Fatal(err)
	}
	if !e.Idle() || !IsIdle(Chain(e, New(Config{}))) {
		t.Error("only disabled rules: idle, and so is a chain of idle engines")
	}
	if IsIdle(Chain(e, DeciderFunc(func(context.Context, Phase, *session.Flow) Decision { return Decision{} }))) {
		t.Error("a chain with a decider that cannot say it is idle is not idle")
	}
	if New(Config{MockOnly: true}).Idle() {
		t.Error("--mock-only refuses unmatched requests: not idle")
	}
}
