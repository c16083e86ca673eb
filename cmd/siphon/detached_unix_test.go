//go:build unix

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// runSiphonDetached is runSiphon in a new session without a controlling
// terminal, so that a siphon that gets as far as its UI fails to open
// /dev/tty instead of taking over the terminal running the tests. A siphon
// still running after detachedLimit is killed (exit code -1): these runs
// are meant to fail at once.
func runSiphonDetached(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), detachedLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, siphonBin, args...)
	cmd.Env = append(os.Environ(), "SIPHON_HOME="+t.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var o, e bytes.Buffer
	cmd.Stdin = nil // /dev/null
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.Run()
	return o.String(), e.String(), cmd.ProcessState.ExitCode()
}
