package testutil

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records how a test stopped instead of
// stopping it, so that the helpers' failures can be observed.
type recorder struct {
	testing.TB
	failed, skipped string
	errors          []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, a ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, a...))
}
func (r *recorder) Fatalf(format string, a ...any) { r.failed = fmt.Sprintf(format, a...) }
func (r *recorder) Skipf(format string, a ...any)  { r.skipped = fmt.Sprintf(format, a...) }

func TestNeedCommand(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "present")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	for _, tc := range []struct {
		name, ci        string
		path            string
		failed, skipped bool
	}{
		{name: "present", ci: "true", path: prog},
		{name: "present", ci: "", path: prog},
		{name: "missing", ci: "true", failed: true},
		{name: "missing", ci: "", skipped: true},
		{name: "missing", ci: "1", skipped: true}, // only "true" means CI
	} {
		t.Setenv("CI", tc.ci)
		r := &recorder{TB: t}
		got := NeedCommand(r, tc.name)
		if got != tc.path || (r.failed != "") != tc.failed || (r.skipped != "") != tc.skipped {
			t.Errorf("NeedCommand(%s) with CI=%q = %q, failed %q, skipped %q; want %q, failed %v, skipped %v",
				tc.name, tc.ci, got, r.failed, r.skipped, tc.path, tc.failed, tc.skipped)
		}
		if msg := r.failed + r.skipped; msg != "" && !strings.Contains(msg, "not on PATH") {
			t.Errorf("message %q does not say what is missing", msg)
		}
	}
}
