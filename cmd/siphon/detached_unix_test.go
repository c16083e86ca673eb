//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// runSiphonDetached is runSiphon in a new session without a controlling
// terminal, so that a siphon that gets as far as its UI fails to open
// /dev/tty instead of taking over the terminal running the tests.
func runSiphonDetached(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(siphonBin, args...)
	cmd.Env = append(os.Environ(), "SIPHON_HOME="+t.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var o, e bytes.Buffer
	cmd.Stdin = nil // /dev/null
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.Run()
	return o.String(), e.String(), cmd.ProcessState.ExitCode()
}
