package session

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// killChildEnv names the session file a re-executed test binary writes
// before it is killed; see TestKilledProcessLosesOnlyTheLastBatch.
const killChildEnv = "SIPHON_SESSION_KILL_CHILD"

func TestMain(m *testing.M) {
	if path := os.Getenv(killChildEnv); path != "" {
		os.Exit(killChild(path))
	}
	if path := os.Getenv(holdChildEnv); path != "" {
		os.Exit(holdChild(path))
	}
	os.Exit(m.Run())
}

// killChild writes a session the way the proxy does, says when the first
// 1000 flows are committed, adds 500 more and waits to be killed.
func killChild(path string) int {
	s, err := Open(path, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	for i := range 1000 {
		s.Add(smallFlow(i))
	}
	if err := s.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	for i := 1000; i < 1500; i++ {
		s.Add(smallFlow(i))
	}
	fmt.Println("flushed")
	io.Copy(io.Discard, os.Stdin) // until the parent kills us
	return 3
}

func TestKilledProcessLosesOnlyTheLastBatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if line != "flushed\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child said %q (%v); stderr:\n%s", line, err, stderr.Bytes())
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no Close, no final commit
		t.Fatal(err)
	}
	cmd.Wait()

	// A reader sees what the dead writer committed, WAL included.
	ro := openStore(t, path, Options{ReadOnly: true})
	if n := ro.Len(); n < 1000 || n > 1500 {
		t.Errorf("read-only after SIGKILL: %d flows, want 1000 to 1500", n)
	}
	mustClose(t, ro)

	s := openStore(t, path, Options{})
	flows := s.List(nil, 0, -1)
	if len(flows) < 1000 {
		t.Fatalf("after SIGKILL: %d flows, want at least the 1000 committed", len(flows))
	}
	for i, f := range flows[:1000] {
		if f.Seq != int64(i+1) {
			t.Fatalf("flow %d has Seq %d", i, f.Seq)
		}
	}
	if g, err := s.Get(flows[999].ID); err != nil || string(g.Response.Body.Data) != "hello world\n" {
		t.Errorf("Get after SIGKILL = %+v, %v", g, err)
	}
	var check string
	if err := rawDB(t, path).QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check = %q, %v", check, err)
	}
	f := smallFlow(0)
	s.Add(f)
	if want := flows[len(flows)-1].Seq + 1; f.Seq != want {
		t.Errorf("Seq after SIGKILL = %d, want %d", f.Seq, want)
	}
}
