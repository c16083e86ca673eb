package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/intercept"
)

// TestAnnounceOneRule checks that one rule is announced as one rule.
func TestAnnounceOneRule(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(path, []byte("- name: a\n  match: ~all\n  block: 404\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := intercept.New(intercept.Config{})
	if err := e.LoadFiles(path); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	announceRules(&out, &proxyOptions{rules: stringList{path}}, e, false)
	if want := "siphon: 1 rule from " + path + "\n"; out.String() != want {
		t.Errorf("announced %q, want %q", out.String(), want)
	}
}
