package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// detachedLimit bounds a siphon run by runSiphonDetached.
const detachedLimit = 30 * time.Second

// dirNames lists the names in dir; none when it does not exist.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestFailedStartLeavesNoSession(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(broken, []byte("rules:\n  - match: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(dir, "existing.db")
	writeSession(t, existing, "http://app.test/kept")
	before, err := os.ReadFile(existing)
	if err != nil {
		t.Fatal(err)
	}
	beside := dirNames(t, dir)

	for _, tc := range []struct {
		name string
		args []string
		code int // 2 for what the command line asked, 1 for what the run met
	}{
		{"port in use", []string{"dump", "--listen", busy.Addr().String()}, 2},
		{"bad rules file", []string{"dump", "--listen", "127.0.0.1:0", "--rules", broken}, 2},
		// The proxy starts, then the UI finds no terminal.
		{"no terminal for the UI", []string{"--listen", "127.0.0.1:0"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			run := func(extra ...string) {
				t.Helper()
				args := append(append([]string{}, tc.args...), append([]string{"--home", home}, extra...)...)
				// A siphon that hangs fails in runSiphonDetached.
				if _, stderr, code := runSiphonDetached(t, args...); code != tc.code {
					t.Fatalf("siphon %v: exit %d, want a failed start (exit %d):\n%s", args, code, tc.code, stderr)
				}
			}

			run()
			if left := dirNames(t, filepath.Join(home, "sessions")); len(left) > 0 {
				t.Errorf("left %v in <home>/sessions", left)
			}

			named := t.TempDir()
			run("--session", filepath.Join(named, "new.db"))
			if left := dirNames(t, named); len(left) > 0 {
				t.Errorf("left %v for a new --session", left)
			}

			run("--session", existing)
			if after, err := os.ReadFile(existing); err != nil || !bytes.Equal(after, before) {
				t.Errorf("an existing --session changed or went (%v)", err)
			}
			if after := dirNames(t, dir); !slices.Equal(after, beside) {
				t.Errorf("beside an existing --session: %v, want %v", after, beside)
			}
		})
	}
	stdout, _, code := runSiphon(t, "dump", "--read", existing)
	if code != 0 || !bytes.Contains([]byte(stdout), []byte("http://app.test/kept")) {
		t.Errorf("existing session after failed starts: exit %d, %q", code, stdout)
	}
}
