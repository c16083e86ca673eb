package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// orphanEnv marks the test process that TestSiphonDiesWithTheTests starts,
// and kills, to see what becomes of the siphon it started.
const orphanEnv = "SIPHON_TEST_DIES_WITH_TESTS"

// A siphon started by these tests dies with the test process, even when
// that is killed outright (a -timeout panic, a crash) and its t.Cleanup
// never runs: this test runs the test binary, which starts a siphon dump
// as the other tests do, kills it, and waits for that siphon.
func TestSiphonDiesWithTheTests(t *testing.T) {
	if os.Getenv(orphanEnv) != "" {
		c := startDump(t, "")
		fmt.Printf("siphon pid %d\n", c.cmd.Process.Pid)
		os.Stdin.Read(make([]byte, 1)) // until killed: the pipe stays open
		return
	}
	// The orphans of the test process killed come to this one (not to
	// init), which can then wait for them.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatalf("become a subreaper: %v", err)
	}
	defer unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
	parent := exec.Command(os.Args[0], "-test.run=^TestSiphonDiesWithTheTests$", "-test.count=1")
	// Its temporary files (the siphon it builds, the session) go here.
	parent.Env = append(os.Environ(), orphanEnv+"=1", "TMPDIR="+t.TempDir())
	var stderr bytes.Buffer
	parent.Stderr = &stderr
	stdin, err := parent.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	pids := make(chan int, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var pid int
			if _, err := fmt.Sscanf(sc.Text(), "siphon pid %d", &pid); err == nil {
				pids <- pid
				return
			}
		}
		close(pids)
	}()
	var pid int
	select {
	case p, ok := <-pids:
		if !ok {
			parent.Wait()
			t.Fatalf("the test process started no siphon:\n%s", stderr.String())
		}
		pid = p
	case <-time.After(2 * time.Minute):
		parent.Process.Kill()
		parent.Wait()
		t.Fatalf("the test process started no siphon:\n%s", stderr.String())
	}
	parent.Process.Kill()
	parent.Wait()

	var status unix.WaitStatus
	reaped := make(chan error, 1)
	go func() {
		_, err := unix.Wait4(pid, &status, 0, nil)
		reaped <- err
	}()
	select {
	case err := <-reaped:
		if err != nil {
			t.Fatalf("wait for the siphon of the killed test process: %v", err)
		}
		if !status.Signaled() || status.Signal() != syscall.SIGKILL {
			t.Errorf("the siphon of the killed test process ended with %#x, want SIGKILL", status)
		}
	case <-time.After(30 * time.Second):
		syscall.Kill(pid, syscall.SIGKILL)
		<-reaped
		t.Fatal("the siphon outlived the test process that started it")
	}
}
