package session

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// holdChildEnv names the session file a re-executed test binary holds
// open for writing until it is killed; see TestKilledWriter.
const holdChildEnv = "SIPHON_SESSION_HOLD_CHILD"

// holdChild commits a finished flow and a pending one, says so, and waits
// to be killed with the session open.
func holdChild(path string) int {
	s, err := Open(path, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	s.Add(smallFlow(1))
	pending := smallFlow(2)
	pending.State, pending.Response = Pending, nil
	s.Add(pending)
	if err := s.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin) // until the parent kills us
	return 3
}

// startHolder runs holdChild on path and returns once it is ready.
func startHolder(t *testing.T, path string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), holdChildEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close() })
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if line, err := bufio.NewReader(stdout).ReadString('\n'); line != "ready\n" {
		t.Fatalf("child said %q (%v); stderr:\n%s", line, err, stderr.Bytes())
	}
	return cmd
}

// TestKilledWriter runs a writer in another process: while it lives, no
// other writer may open its session but readers may; once it is killed
// (no Close), its lock file, left behind with its pid, blocks nobody, and
// the next writer fails the flow it left pending.
func TestKilledWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	child := startHolder(t, path)

	if s, err := Open(path, Options{}); err == nil {
		s.Close()
		t.Fatal("a second process opened for writing a session another process writes")
	} else {
		assertInUse(t, err, path, child.Process.Pid)
	}
	ro := openStore(t, path, Options{ReadOnly: true})
	flows := ro.List(nil, 0, -1)
	if len(flows) != 2 || flows[1].State != Pending {
		t.Fatalf("reader beside a live writer: %d flows %+v, want 2, the second pending", len(flows), flows)
	}
	mustClose(t, ro)

	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	if got := strings.TrimSpace(string(readFile(t, path+".lock"))); got != strconv.Itoa(child.Process.Pid) {
		t.Fatalf("lock file after SIGKILL holds %q, want the dead writer's pid %d", got, child.Process.Pid)
	}

	s := openStore(t, path, Options{})
	flows = s.List(nil, 0, -1)
	if len(flows) != 2 || flows[0].State != Done {
		t.Fatalf("after SIGKILL: %d flows %+v", len(flows), flows)
	}
	if f := flows[1]; f.State != Failed || f.Err == nil || f.Err.Phase != PhaseInterrupted {
		t.Errorf("flow left pending by the killed writer: state %v, error %+v; want failed, interrupted", f.State, f.Err)
	}
	f := smallFlow(3)
	s.Add(f)
	if f.Seq != 3 {
		t.Errorf("Seq after the killed writer = %d, want 3", f.Seq)
	}
}
