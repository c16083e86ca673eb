package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// A mistake in the flags is one line with one "siphon: " prefix, naming
// the subcommand as other errors do ("siphon: export: want one session
// file"), and exit code 2.
func TestFlagErrorsHaveOnePrefix(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"dump", "--upstream-timeout", "abc"}, `siphon: dump: invalid value "abc" for flag -upstream-timeout: `},
		{[]string{"dump", "--bogus"}, "siphon: dump: flag provided but not defined: -bogus\n"},
		{[]string{"dump", "stray"}, "siphon: dump: unexpected argument \"stray\"\n"},
		{[]string{"--bogus"}, "siphon: flag provided but not defined: -bogus\n"},
		{[]string{"export", "--bogus", "s.db"}, "siphon: export: flag provided but not defined: -bogus\n"},
		{[]string{"import", "x.har", "--bogus"}, "siphon: import: flag provided but not defined: -bogus\n"},
		{[]string{"ca", "export", "--bogus"}, "siphon: ca export: flag provided but not defined: -bogus\n"},
		{[]string{"replay", "--bogus"}, "siphon: replay: flag provided but not defined: -bogus\n"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), c.args, &stdout, &stderr)
		got := stderr.String()
		if code != 2 || !strings.HasPrefix(got, c.want) || strings.Count(got, "\n") != 1 || stdout.Len() != 0 {
			t.Errorf("siphon %s: exit %d, stderr %q, stdout %q; want exit 2 and %q",
				strings.Join(c.args, " "), code, got, stdout.String(), c.want)
		}
	}
}

// -h after siphon's own flags names the command once.
func TestFlagHelpNamesTheCommandOnce(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--listen", "127.0.0.1:0", "-h"}, "Usage of siphon:\n"},
		{[]string{"dump", "-h"}, "Usage of siphon dump:\n"},
	} {
		stdout, _, code := runSiphon(t, c.args...)
		if code != 2 || !strings.HasPrefix(stdout, c.want) {
			t.Errorf("siphon %s: exit %d, stdout starts %q; want %q", strings.Join(c.args, " "), code, firstLine(stdout), c.want)
		}
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
