package main

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// startTimeout bounds a proxy's start-up (mitmdump's Python takes a while).
const startTimeout = 60 * time.Second

// stopTimeout bounds a proxy's clean shutdown before it is killed.
const stopTimeout = 30 * time.Second

// proxyProc is a proxy running as its users run it: a child process, or
// siphon's terminal UI in a terminal of its own (tui.go).
type proxyProc struct {
	name   string
	pid    int
	url    *url.URL       // where clients send requests
	roots  *x509.CertPool // the proxy's CA, the only one clients trust
	log    fmt.Stringer   // its last output, to explain a failure
	exited chan struct{}
	err    error // why it exited, valid once exited is closed
	// quit asks the proxy to finish and save its flows (SIGINT for a
	// child); kill is called if it has not exited within stopTimeout.
	quit func() error
	// mcpURL and mcpToken reach siphon's live MCP server (--mcp); empty
	// without one.
	mcpURL, mcpToken string
}

// start runs cmd and waits until ready finds the listening address in a
// line of its output (read from out); the rest of out is discarded.
func start(name string, cmd *exec.Cmd, out io.ReadCloser, ready func(line string) (string, bool)) (*proxyProc, error) {
	log := &tail{}
	p := &proxyProc{name: name, log: log, exited: make(chan struct{}),
		quit: func() error { return cmd.Process.Signal(os.Interrupt) }}
	// A benchmark that dies must not leave its proxies running.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if cmd.Stderr == nil {
		cmd.Stderr = log
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p.pid = cmd.Process.Pid
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		found := false
		for sc.Scan() {
			if !found {
				log.Write(append(sc.Bytes(), '\n'))
				if a, ok := ready(sc.Text()); ok {
					found = true
					addr <- a
				}
			}
		}
		io.Copy(io.Discard, out)
		p.err = cmd.Wait()
		close(p.exited)
	}()
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case a := <-addr:
		p.url = &url.URL{Scheme: "http", Host: a}
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("%s exited before listening (%v):\n%s", name, p.err, p.log)
	case <-timer.C:
		p.kill()
		return nil, fmt.Errorf("%s did not listen within %v:\n%s", name, startTimeout, p.log)
	}
}

// stop asks the proxy to finish (SIGINT: both proxies save their flows)
// and kills it if it has not exited within stopTimeout.
func (p *proxyProc) stop() error {
	select {
	case <-p.exited:
		return fmt.Errorf("%s exited during the run (%v):\n%s", p.name, p.err, p.log)
	default:
	}
	if err := p.quit(); err != nil {
		p.kill()
		return fmt.Errorf("stop %s: %w", p.name, err)
	}
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-p.exited:
		// mitmdump exits non-zero on SIGINT; a clean exit is not required,
		// only that it ends and its files are written.
		return nil
	case <-timer.C:
		p.kill()
		return fmt.Errorf("%s did not exit within %v of SIGINT", p.name, stopTimeout)
	}
}

func (p *proxyProc) kill() {
	syscall.Kill(p.pid, syscall.SIGKILL)
	<-p.exited
}

// peakRSS is the process's high-water resident set (VmHWM), in bytes.
func (p *proxyProc) peakRSS() (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.pid))
	if err != nil {
		return 0, fmt.Errorf("read %s's status: %w", p.name, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parse %s's VmHWM %q: %w", p.name, v, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no VmHWM in %s's status", p.name)
}

// clockTick is the unit of /proc/PID/stat's times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// cpuTime is the CPU time (user and system) the process has used.
func (p *proxyProc) cpuTime() (time.Duration, error) {
	d, err := pidCPU(p.pid)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", p.name, err)
	}
	return d, nil
}

// pidCPU is the CPU time (user and system) process pid has used.
func pidCPU(pid int) (time.Duration, error) {
	return statCPU(fmt.Sprintf("/proc/%d/stat", pid))
}

// statCPU reads utime+stime from a /proc/PID/stat file.
func statCPU(path string) (time.Duration, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: count fields
	// after its closing parenthesis. utime and stime are fields 14 and 15.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, errors.New("malformed " + path)
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("short " + path)
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("parse %s: %w", path, err)
	}
	return time.Duration(u+s) * clockTick, nil
}

// tail keeps the last few KiB written to it, to explain a failed start.
type tail struct {
	mu sync.Mutex
	b  []byte
}

const tailMax = 8 << 10

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > tailMax {
		t.b = t.b[len(t.b)-tailMax:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// poolFromFile trusts the PEM certificates in path.
func poolFromFile(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read CA %s: %w", path, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA %s holds no PEM certificate", path)
	}
	return pool, nil
}
