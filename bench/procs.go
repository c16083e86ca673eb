package main

import (
	"context"
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/siphonproxy/siphon/session"
)

// buildSiphon builds cmd/siphon of the module the benchmark runs in.
func buildSiphon(ctx context.Context, dir string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the module root (go env GOMOD): %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("run the benchmark inside the siphon module (go run ./bench from its root)")
	}
	bin := filepath.Join(dir, "siphon")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/siphon")
	build.Dir = filepath.Dir(gomod)
	if msg, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build siphon: %w\n%s", err, msg)
	}
	return bin, nil
}

// siphonVersion says what binary was measured: its version line and the
// commit it was built from, if the build recorded one.
func siphonVersion(bin string) string {
	out, err := exec.Command(bin, "version").Output()
	v := strings.TrimSpace(string(out))
	if err != nil || v == "" {
		v = "siphon (version unknown)"
	}
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return v
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision" && len(s.Value) >= 12:
			rev = s.Value[:12]
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "+changes"
		}
	}
	if rev != "" {
		v += ", commit " + rev + dirty
	}
	return v
}

// startSiphon runs "siphon dump" capturing into a session file under dir,
// with a fresh home (so a fresh CA), trusting the origin's CA upstream;
// args are its listener and other options (via.siphonArgs). Its per-flow
// lines go to /dev/null, as a terminal nobody reads. With --mcp, the
// MCP server's URL and token are read off its start-up lines.
func startSiphon(bin, dir, originCA string, args ...string) (*proxyProc, string, error) {
	home := filepath.Join(dir, "home")
	sessionPath := filepath.Join(dir, "session.db")
	cmd := exec.Command(bin, append([]string{"dump", "--home", home,
		"--upstream-ca", originCA, "--session", sessionPath}, args...)...)
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return nil, "", err
	}
	defer devnull.Close() // the child has its own descriptor once started
	cmd.Stdout = devnull
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, "", err
	}
	var mcpURL, mcpToken string // printed before the listeners' lines
	p, err := start("siphon", cmd, stderr, func(line string) (string, bool) {
		if v, ok := strings.CutPrefix(line, "siphon: MCP server on "); ok {
			mcpURL, _, _ = strings.Cut(v, " ")
		}
		if v, ok := strings.CutPrefix(line, "siphon: MCP token "); ok {
			mcpToken = strings.TrimSpace(v)
		}
		return siphonAddr(line)
	})
	if err != nil {
		return nil, "", err
	}
	p.mcpURL, p.mcpToken = mcpURL, mcpToken
	if p.roots, err = poolFromFile(filepath.Join(home, "ca.pem")); err != nil {
		p.kill()
		return nil, "", err
	}
	return p, sessionPath, nil
}

// storedFlows counts the flows in a session file siphon has closed, and
// the WebSocket data messages (text and binary, not close) it holds whole:
// with their payload, not cut short.
func storedFlows(path string) (flows, messages int, err error) {
	s, err := session.Open(path, session.Options{ReadOnly: true})
	if err != nil {
		return 0, 0, err
	}
	for f := range s.All(nil) {
		if f.Kind != session.WebSocket {
			continue
		}
		for off := 0; ; {
			page, err := s.Messages(f.ID, off, 4096)
			if err != nil {
				s.Close()
				return 0, 0, fmt.Errorf("read messages of flow %s: %w", f.ID, err)
			}
			for _, m := range page {
				if m.Opcode != session.OpClose && !m.Truncated && int64(len(m.Data)) == m.Size {
					messages++
				}
			}
			if len(page) == 0 {
				break
			}
			off += len(page)
		}
	}
	return s.Len(), messages, s.Close()
}
