package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readmeExample is the "Mock an external API in your tests" example as the
// README writes it: files marked <!-- e2e: NAME --> and a console session
// marked <!-- e2e: console -->.
type readmeExample struct {
	files    map[string]string
	commands []readmeCommand
}

type readmeCommand struct {
	line string // without the "$ " prompt
	want string // the output shown after it
}

func parseReadmeExample(t *testing.T, path string) readmeExample {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ex := readmeExample{files: map[string]string{}}
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		name, ok := strings.CutPrefix(strings.TrimSpace(lines[i]), "<!-- e2e: ")
		if !ok {
			continue
		}
		name = strings.TrimSuffix(name, " -->")
		// The fenced block that follows.
		for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
		}
		var block []string
		for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
			block = append(block, lines[i])
		}
		if name != "console" {
			ex.files[name] = strings.Join(block, "\n") + "\n"
			continue
		}
		for _, l := range block {
			if cmd, ok := strings.CutPrefix(l, "$ "); ok {
				ex.commands = append(ex.commands, readmeCommand{line: cmd})
				continue
			}
			if n := len(ex.commands); n > 0 {
				ex.commands[n-1].want += l + "\n"
			}
		}
	}
	if len(ex.files) == 0 || len(ex.commands) == 0 {
		t.Fatalf("%s has no e2e example (files %d, commands %d)", path, len(ex.files), len(ex.commands))
	}
	return ex
}

// TestReadmeMockExample runs the README's mocking example as written: the
// same files, the same siphon command (on a free port instead of 8081),
// the same curl commands through a shell, the same outputs.
func TestReadmeMockExample(t *testing.T) {
	ex := parseReadmeExample(t, "../../README.md")
	dir := t.TempDir()
	for name, content := range ex.files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir) // the example names its files relative to where it runs
	home := t.TempDir()
	env := []string{"PATH=" + filepath.Dir(siphonBin) + ":" + os.Getenv("PATH"), "SIPHON_HOME=" + home, "HOME=" + home}
	var c *child
	var readmeAddr string
	for _, cmd := range ex.commands {
		line := cmd.line
		if c != nil {
			line = strings.ReplaceAll(line, readmeAddr, c.addr)
		}
		switch {
		case strings.HasPrefix(line, "siphon dump "):
			args := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(line, "siphon dump "), "&"))
			for i := range args {
				if args[i] == "--listen" && i+1 < len(args) {
					readmeAddr, args[i+1] = args[i+1], "127.0.0.1:0"
				}
			}
			c = startDump(t, home, args...)
		case strings.HasPrefix(line, "export "):
			env = append(env, strings.Fields(strings.TrimPrefix(line, "export "))...)
		default:
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			sh := exec.CommandContext(ctx, "sh", "-c", line)
			sh.Env, sh.Dir = env, dir
			out, err := sh.Output()
			cancel()
			if err != nil {
				t.Fatalf("$ %s: %v\n%s", line, err, out)
			}
			if got, want := strings.TrimSpace(string(out)), strings.TrimSpace(cmd.want); got != want {
				t.Errorf("$ %s\n--- got\n%s\n--- README shows\n%s", line, got, want)
			}
		}
	}
	if c == nil {
		t.Fatal("the example never starts siphon")
	}
	if code := c.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("siphon exit code %d:\n%s", code, c.stderr)
	}
	// Every request was answered by siphon; none reached the network.
	sc := bufio.NewScanner(strings.NewReader(c.stdout.String()))
	n := 0
	for sc.Scan() {
		n++
		if l := sc.Text(); strings.Contains(l, "ERR dial") || strings.Contains(l, "ERR upstream") {
			t.Errorf("a request left siphon: %s", l)
		}
	}
	if want := "ERR intercept: --mock-only: no rule answers GET https://api.example.com/v1/users/43"; !strings.Contains(c.stdout.String(), want) {
		t.Errorf("dump output lacks %q:\n%s", want, c.stdout)
	}
	if n != len(ex.commands)-2 {
		t.Errorf("dump printed %d flows for %d curl commands:\n%s", n, len(ex.commands)-2, c.stdout)
	}
}

func TestBadRulesFileExitsWithFileAndLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mocks.yaml")
	os.WriteFile(path, []byte("- name: a\n  match: ~d api.test\n  mock: {status: 200}\n- name: b\n  match: ~d (api\n  block: 403\n"), 0o644)
	_, stderr, code := runSiphon(t, "dump", "--listen", "127.0.0.1:0", "--rules", path)
	if code != 2 || !strings.HasPrefix(stderr, "siphon: "+path+":5: bad match expression") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	_, stderr, code = runSiphon(t, "dump", "--listen", "127.0.0.1:0", "--mock-only")
	if code != 2 || !strings.Contains(stderr, "--mock-only needs --rules") {
		t.Errorf("--mock-only without rules: exit %d, stderr %q", code, stderr)
	}
	_, stderr, code = runSiphon(t, "dump", "--listen", "127.0.0.1:0", "--rules", filepath.Join(dir, "none.yaml"))
	if code != 2 || !strings.Contains(stderr, "none.yaml") {
		t.Errorf("missing rules file: exit %d, stderr %q", code, stderr)
	}
}
