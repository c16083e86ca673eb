package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/intercept"
)

// --intercept-timeout must be positive when given: 0 would release paused
// flows at once. Both commands that run the proxy refuse it with one line
// and exit 2; an options struct that never saw the flags keeps the
// engine's default.
func TestInterceptTimeoutFlag(t *testing.T) {
	for _, args := range [][]string{
		{"dump", "--intercept-timeout", "0"},
		{"dump", "--intercept-timeout=0s"},
		{"dump", "--intercept-timeout", "-5s"},
		{"--intercept-timeout", "0"},
	} {
		_, stderr, code := runSiphon(t, args...)
		if code != 2 || !strings.Contains(stderr, "-intercept-timeout: must be positive") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("siphon %v: exit %d, stderr %q; want exit 2 and one line saying it must be positive", args, code, stderr)
		}
	}
	if _, stderr, code := runSiphon(t, "dump", "--intercept-timeout", "soon"); code != 2 || !strings.Contains(stderr, "want a duration") {
		t.Errorf("--intercept-timeout soon: exit %d, stderr %q", code, stderr)
	}

	rules := filepath.Join(t.TempDir(), "rules.yaml")
	must(t, os.WriteFile(rules, []byte("- name: hold\n  match: ~u /x\n  breakpoint: request\n"), 0o644))
	for _, c := range []struct {
		args []string
		want time.Duration
	}{
		{[]string{"--rules", rules}, intercept.DefaultTimeout},
		{[]string{"--rules", rules, "--intercept-timeout", "250ms"}, 250 * time.Millisecond},
	} {
		fs := newFlagSet("dump")
		var o proxyOptions
		o.register(fs)
		must(t, parseFlags(fs, c.args))
		e, err := o.loadRules()
		must(t, err)
		if e.Timeout() != c.want {
			t.Errorf("siphon dump %v: timeout %v, want %v", c.args, e.Timeout(), c.want)
		}
	}
	o := &proxyOptions{rules: stringList{rules}} // not registered: zero timeout
	e, err := o.loadRules()
	must(t, err)
	if e.Timeout() != intercept.DefaultTimeout {
		t.Errorf("options without flags: timeout %v, want the default %v", e.Timeout(), intercept.DefaultTimeout)
	}
}
