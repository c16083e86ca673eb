package main

import (
	"os/exec"
	"syscall"
)

// dieWithTests makes the kernel kill cmd's process (SIGKILL) when the
// test process dies, so that a test binary killed outright (a -timeout
// panic, a crash, SIGKILL) leaves no siphon running, which t.Cleanup
// cannot promise. Strictly the signal comes when the thread that started
// cmd ends; Go ends threads only for goroutines locked to them, which
// these tests do not start commands from.
func dieWithTests(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
