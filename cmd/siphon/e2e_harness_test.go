package main

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// siphonBin is the binary built once for the end-to-end tests.
var siphonBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "siphon-e2e")
	if err != nil {
		panic(err)
	}
	siphonBin = filepath.Join(dir, "siphon")
	build := exec.Command("go", "build", "-o", siphonBin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		os.RemoveAll(dir)
		panic("build siphon: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// child is a running "siphon dump".
type child struct {
	cmd     *exec.Cmd
	addr    string // host:port it listens on
	session string
	home    string
	stdout  *syncBuffer
	stderr  *syncBuffer
	exited  chan error
}

type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{} // signalled on each Write, once waitFor made it
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	n, err := s.b.Write(p)
	ch := s.changed
	s.mu.Unlock()
	if ch != nil {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	return n, err
}

// waitFor waits until ok is true of everything written so far, and
// returns it; it fails the test after 20 seconds.
func (s *syncBuffer) waitFor(t *testing.T, what string, ok func(string) bool) string {
	t.Helper()
	s.mu.Lock()
	if s.changed == nil {
		s.changed = make(chan struct{}, 1)
	}
	ch := s.changed
	s.mu.Unlock()
	timeout := time.After(20 * time.Second)
	for {
		if out := s.String(); ok(out) {
			return out
		}
		select {
		case <-ch:
		case <-timeout:
			t.Fatalf("no %s after 20s:\n%s", what, s.String())
		}
	}
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startDump runs siphon dump with args (plus --listen 127.0.0.1:0 and a
// home in a temp dir unless given) and waits until it listens.
func startDump(t *testing.T, home string, args ...string) *child {
	t.Helper()
	if home == "" {
		home = t.TempDir()
	}
	full := append([]string{"dump", "--home", home}, args...)
	if !hasFlag(args, "--listen") {
		full = append(full, "--listen", "127.0.0.1:0")
	}
	c := &child{cmd: exec.Command(siphonBin, full...), home: home, stdout: &syncBuffer{}, stderr: &syncBuffer{}, exited: make(chan error, 1)}
	c.cmd.Env = append(os.Environ(), "SIPHON_HOME=")
	dieWithTests(c.cmd)
	c.cmd.Stdout = c.stdout
	errPipe, err := c.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(errPipe)
		signalled := false
		for sc.Scan() {
			line := sc.Text()
			c.stderr.Write([]byte(line + "\n"))
			if v, ok := strings.CutPrefix(line, "siphon: proxy listening on http://"); ok {
				c.addr, _, _ = strings.Cut(v, " ") // then "(regular@PORT)" beside other listeners
			}
			if v, ok := strings.CutPrefix(line, "siphon: session "); ok {
				c.session = v
			}
			if !signalled && c.addr != "" && c.session != "" {
				signalled = true
				close(ready)
			}
		}
		io.Copy(io.Discard, errPipe)
		c.exited <- c.cmd.Wait()
	}()
	select {
	case <-ready:
	case err := <-c.exited:
		t.Fatalf("siphon exited before listening: %v\n%s", err, c.stderr)
	case <-time.After(20 * time.Second):
		c.cmd.Process.Kill()
		t.Fatalf("siphon did not start listening:\n%s", c.stderr)
	}
	t.Cleanup(func() {
		c.cmd.Process.Kill()
	})
	return c
}

// stop sends sig and waits for the exit, returning the exit code.
func (c *child) stop(t *testing.T, sig syscall.Signal) int {
	t.Helper()
	c.cmd.Process.Signal(sig)
	select {
	case <-c.exited:
	case <-time.After(20 * time.Second):
		c.cmd.Process.Kill()
		t.Fatalf("siphon did not exit after %v:\n%s", sig, c.stderr)
	}
	return c.cmd.ProcessState.ExitCode()
}

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

// runSiphon runs a short siphon command and returns its output and exit code.
func runSiphon(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(siphonBin, args...)
	dieWithTests(cmd)
	cmd.Env = append(os.Environ(), "SIPHON_HOME="+t.TempDir())
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.Run()
	return o.String(), e.String(), cmd.ProcessState.ExitCode()
}

// writePEM writes a certificate as a PEM file and returns its path.
func writePEM(t *testing.T, cert *x509.Certificate) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// curl runs the curl binary and returns its stdout; a failure ends the test.
func curl(t *testing.T, args ...string) []byte {
	t.Helper()
	out, err := exec.Command("curl", append([]string{"-sS", "--max-time", "20"}, args...)...).Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("curl %v: %v %s", args, err, stderr)
	}
	return out
}
