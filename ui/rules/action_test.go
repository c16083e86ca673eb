package rules

import (
	"testing"

	"github.com/siphonproxy/siphon/intercept"
)

// TestRuleActionNamesMessageRules: the rules view says what a WebSocket
// message rule does, not "block 0" for one that drops messages.
func TestRuleActionNamesMessageRules(t *testing.T) {
	rs, err := intercept.Parse([]byte(`
- name: no telemetry
  match: ~websocket
  block: messages
- name: hold
  match: ~websocket
  breakpoint: messages
- name: drop
  match: ~d x
  block: drop
- name: gold
  match: ~websocket
  rewrite:
    messages:
      body-replace: [{regex: 'a', replace: 'b'}]
`), "rules.yaml", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"block messages", "breakpoint messages", "block drop", "rewrite messages"}
	for i, r := range rs {
		if got := ruleAction(r); got != want[i] {
			t.Errorf("rule %q: action %q, want %q", r.Name, got, want[i])
		}
	}
}
