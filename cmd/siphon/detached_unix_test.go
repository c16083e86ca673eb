//go:build unix

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runSiphonDetached is runSiphon in a new session without a controlling
// terminal, so that a siphon that gets as far as its UI fails to open
// /dev/tty instead of taking over the terminal running the tests. These
// runs are meant to end at once: a siphon still running after
// detachedLimit is killed, and the test fails.
func runSiphonDetached(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runDetached(t, detachedLimit, args...)
}

// runDetached is runSiphonDetached with its limit; a siphon killed at the
// limit ends the test through t.Fatalf (its exit code, -1, would pass for
// a failed start).
func runDetached(t testing.TB, limit time.Duration, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, siphonBin, args...)
	cmd.Env = append(os.Environ(), "SIPHON_HOME="+t.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	dieWithTests(cmd)
	var o, e bytes.Buffer
	cmd.Stdin = nil // /dev/null
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("siphon %s still ran after %v and was killed (%v):\n%s", strings.Join(args, " "), limit, err, e.String())
	}
	return o.String(), e.String(), cmd.ProcessState.ExitCode()
}
