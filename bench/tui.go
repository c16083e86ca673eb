package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Issue 3 asks that siphon with its terminal UI open proxy at least 0.9×
// as fast as siphon dump: the UI must not do work per flow. The tui
// scenario runs the real binary's UI as its users do, in a terminal: a
// 160×48 pane of a private tmux server, which draws every frame the UI
// sends. tmux's own CPU is counted as the benchmark's, not as other
// programs' (it is the user's terminal), and reported.

// uiScenario is the load of http-c32 through siphon dump and through
// siphon with its terminal UI open, interleaved.
func uiScenario() *scenario {
	sc := loadScenario("tui", "HTTP keep-alive /small, c=32, TUI open", false, false, 32, uiTimesDump(0.9))
	sc.proxies, sc.ui = false, true
	sc.metrics = append(sc.metrics,
		metric{key: "cpuflow", label: "proxy CPU per flow", unit: "µs", prec: 1, vs: ratio},
		metric{key: "termcpu", label: "terminal (tmux) CPU", unit: "%", prec: 0, only: tui})
	return sc
}

// Terminal geometry, and how often a screen is read while waiting for it
// to show something: tmux gives no signal when a pane changes, so the
// benchmark looks at it as a user would, every screenPoll, for a bounded
// time.
const (
	termWidth, termHeight = 160, 48
	screenPoll            = 50 * time.Millisecond
	screenWait            = 10 * time.Second // for the UI to catch up with the store
	tmuxTimeout           = 10 * time.Second // for one tmux command
)

// errNoTmux is why the UI scenario is skipped on a machine without tmux.
var errNoTmux = errors.New("tmux is not installed (apt-get install tmux): siphon's terminal UI was not measured")

// terminal is a private tmux server (its own socket, no user
// configuration, no status line) with one pane running one program. The
// server is a daemon, not a child: a benchmark killed with SIGKILL leaves
// it behind (every other ending closes it, and its program with it).
type terminal struct {
	sock string
	pid  int // the tmux server's
}

// paneTarget names the one pane of the terminal's one session.
const paneTarget = "siphon"

// startSiphonUI runs siphon with its terminal UI in a new terminal, with a
// fresh home (so a fresh CA) under dir, capturing into a session file
// there and trusting the origin's CA upstream. It waits until the UI's
// status bar shows the address the proxy listens on.
func startSiphonUI(bin, dir, originCA string) (*proxyProc, *terminal, string, error) {
	if _, err := exec.LookPath("tmux"); err != nil {
		return nil, nil, "", errNoTmux
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, "", err
	}
	home := filepath.Join(dir, "home")
	sessionPath := filepath.Join(dir, "session.db")
	t, pid, err := openTerminal(dir, bin, "--home", home, "--listen", "127.0.0.1:0",
		"--upstream-ca", originCA, "--session", sessionPath)
	if err != nil {
		return nil, nil, "", err
	}
	exited, err := watchExit(pid)
	if err != nil {
		t.close()
		return nil, nil, "", err
	}
	p := &proxyProc{name: "siphon (UI)", pid: pid, log: t, exited: make(chan struct{}),
		// Q quits at once, saving the session: what a user presses.
		quit: func() error { _, err := t.tmux("send-keys", "-t", paneTarget, "Q"); return err }}
	go func() {
		<-exited
		p.err = errors.New("exit status " + t.deadStatus())
		close(p.exited)
	}()
	fail := func(err error) (*proxyProc, *terminal, string, error) {
		select {
		case <-p.exited:
		default:
			p.kill()
		}
		t.close()
		return nil, nil, "", err
	}
	status := regexp.MustCompile(`(?m)^ (127\.0\.0\.1:\d+) · `)
	var addr string
	err = t.waitScreen(context.Background(), startTimeout, p.exited, func(screen string) bool {
		if m := status.FindStringSubmatch(screen); m != nil {
			addr = m[1]
		}
		return addr != ""
	})
	if err != nil {
		return fail(fmt.Errorf("siphon's UI showed no listening address: %w; its screen:\n%s", err, t))
	}
	p.url = &url.URL{Scheme: "http", Host: addr}
	if p.roots, err = poolFromFile(filepath.Join(home, "ca.pem")); err != nil {
		return fail(err)
	}
	return p, t, sessionPath, nil
}

// openTerminal starts a tmux server on a socket in dir with one
// termWidth×termHeight pane that runs argv directly (no shell), and
// returns the pane's process ID. The pane stays after the program exits,
// so that what it printed can be read.
func openTerminal(dir string, argv ...string) (*terminal, int, error) {
	conf := filepath.Join(dir, "tmux.conf")
	const settings = "set -g status off\nset -g remain-on-exit on\nset -g default-terminal tmux-256color\n"
	if err := os.WriteFile(conf, []byte(settings), 0o644); err != nil {
		return nil, 0, err
	}
	t := &terminal{sock: filepath.Join(dir, "tmux.sock")}
	args := []string{"-f", conf, "new-session", "-d", "-s", paneTarget,
		"-x", strconv.Itoa(termWidth), "-y", strconv.Itoa(termHeight)}
	if _, err := t.tmux(append(args, argv...)...); err != nil {
		return nil, 0, err
	}
	out, err := t.tmux("display-message", "-p", "-t", paneTarget, "#{pid} #{pane_pid}")
	if err == nil {
		var pane int
		if _, err = fmt.Sscan(out, &t.pid, &pane); err == nil {
			return t, pane, nil
		}
	}
	t.close()
	return nil, 0, fmt.Errorf("tmux: find the pane's process: %v (%q)", err, out)
}

// tmux runs one tmux command on the terminal's server and returns what
// it printed.
func (t *terminal) tmux(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), tmuxTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "tmux", append([]string{"-S", t.sock}, args...)...)
	// Inside the user's own tmux, the new server must still be separate.
	cmd.Env = withoutEnv(os.Environ(), "TMUX", "TMUX_PANE")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("tmux %s: %w", args[0], err)
	}
	return string(out), nil
}

// String is the pane's screen as text, blank lines left out, to explain
// a failure.
func (t *terminal) String() string {
	s, err := t.tmux("capture-pane", "-p", "-t", paneTarget)
	if err != nil {
		return "(screen unreadable: " + err.Error() + ")"
	}
	lines := strings.Split(s, "\n")
	lines = slices.DeleteFunc(lines, func(l string) bool { return strings.TrimSpace(l) == "" })
	return strings.Join(lines, "\n")
}

// deadStatus waits until tmux has seen the pane's program end, so that
// the screen holds all it printed, and returns its exit status.
func (t *terminal) deadStatus() string {
	status := "unknown"
	t.waitScreen(context.Background(), screenWait, nil, func(string) bool {
		s, err := t.tmux("display-message", "-p", "-t", paneTarget, "#{pane_dead} #{pane_dead_status}")
		dead, st, _ := strings.Cut(strings.TrimSpace(s), " ")
		if err != nil || dead == "1" {
			if st != "" {
				status = st
			}
			return true
		}
		return false
	})
	return status
}

// waitScreen reads the screen every screenPoll until done accepts it,
// within limit. It gives up early when exited closes: nothing will
// change.
func (t *terminal) waitScreen(ctx context.Context, limit time.Duration, exited <-chan struct{}, done func(screen string) bool) error {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	tick := time.NewTicker(screenPoll)
	defer tick.Stop()
	for {
		s, err := t.tmux("capture-pane", "-p", "-t", paneTarget)
		if err != nil {
			return err
		}
		if done(s) {
			return nil
		}
		select {
		case <-tick.C:
		case <-exited:
			return errors.New("the program exited")
		case <-deadline.C:
			return fmt.Errorf("not within %v", limit)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// waitFlows waits until the UI's status bar counts n flows: the UI must
// have kept up with what its proxy stored.
func (t *terminal) waitFlows(ctx context.Context, n int) error {
	counts := regexp.MustCompile(` · (\d+) flows · `)
	shown := "no count"
	err := t.waitScreen(ctx, screenWait, nil, func(screen string) bool {
		if m := counts.FindStringSubmatch(screen); m != nil {
			shown = m[1]
		}
		return shown == strconv.Itoa(n)
	})
	if err != nil {
		return fmt.Errorf("siphon's UI shows %s flows of the %d sent through it: %v", shown, n, err)
	}
	return nil
}

// close ends the tmux server; a program still in its pane gets SIGHUP.
func (t *terminal) close() {
	t.tmux("kill-server")
}

// withoutEnv returns env without the variables named.
func withoutEnv(env []string, names ...string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return slices.Contains(names, name)
	})
}
