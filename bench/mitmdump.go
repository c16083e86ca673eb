package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// installTimeout bounds installing Debian's mitmproxy package.
const installTimeout = 10 * time.Minute

// findMitmdump returns the mitmdump to compare against: want is "off",
// "auto" (on PATH, else installed with apt-get when running as root), or
// a path. When there is none it returns "" and why.
func findMitmdump(ctx context.Context, want string, log io.Writer) (string, string) {
	switch want {
	case "off":
		return "", "mitmdump column turned off (-mitmdump off)"
	case "auto":
	default:
		if _, err := os.Stat(want); err != nil {
			return "", fmt.Sprintf("mitmdump %s: %v", want, err)
		}
		return want, ""
	}
	if path, err := exec.LookPath("mitmdump"); err == nil {
		return path, ""
	}
	if _, err := exec.LookPath("apt-get"); err != nil || os.Geteuid() != 0 {
		return "", "mitmdump is not installed and cannot be installed here (needs root and apt-get: apt-get install mitmproxy)"
	}
	fmt.Fprintln(log, "bench: mitmdump missing; installing Debian's mitmproxy package")
	ictx, cancel := context.WithTimeout(ctx, installTimeout)
	defer cancel()
	apt := func(args ...string) error {
		cmd := exec.CommandContext(ictx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = log, log
		return cmd.Run()
	}
	// The package lists may be missing or stale on a fresh machine.
	if err := apt("install", "-y", "-q", "mitmproxy"); err != nil {
		if err := apt("update", "-q"); err != nil {
			return "", fmt.Sprintf("apt-get update failed (%v): mitmdump column skipped", err)
		}
		if err := apt("install", "-y", "-q", "mitmproxy"); err != nil {
			return "", fmt.Sprintf("apt-get install mitmproxy failed (%v): mitmdump column skipped", err)
		}
	}
	path, err := exec.LookPath("mitmdump")
	if err != nil {
		return "", "mitmproxy installed but no mitmdump on PATH: mitmdump column skipped"
	}
	return path, ""
}

// mitmdumpVersion is the first line of mitmdump --version.
func mitmdumpVersion(bin string) string {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return "mitmdump (version unknown)"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return "mitmdump " + strings.TrimSpace(strings.TrimPrefix(line, "Mitmproxy:"))
}

// startMitmdump runs mitmdump writing every flow to a file under dir, with
// a fresh confdir (so a fresh CA), trusting the origin's CA upstream. Its
// bodies beyond 16 MiB are streamed rather than held whole, the nearest
// it has to siphon's default capture limit. args are its mode
// (via.mitmdumpArgs).
func startMitmdump(bin, dir, originCA string, args ...string) (*proxyProc, error) {
	conf := filepath.Join(dir, "conf")
	cmd := exec.Command(bin, append([]string{"--listen-host", "127.0.0.1", "--listen-port", "0",
		"--set", "confdir=" + conf, "-w", filepath.Join(dir, "flows.mitm"),
		"--set", "ssl_verify_upstream_trusted_ca=" + originCA,
		"--set", "stream_large_bodies=16m"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p, err := start("mitmdump", cmd, stdout, mitmdumpAddr)
	if err != nil {
		return nil, err
	}
	if p.roots, err = poolFromFile(filepath.Join(conf, "mitmproxy-ca-cert.pem")); err != nil {
		p.kill()
		return nil, err
	}
	return p, nil
}

// mitmdumpAddr finds the address in mitmdump's start-up line, "Proxy
// server listening at 127.0.0.1:PORT" (or "http://*:PORT").
func mitmdumpAddr(line string) (string, bool) {
	_, addr, ok := strings.Cut(line, "listening at ")
	if !ok {
		return "", false
	}
	addr = strings.TrimPrefix(strings.TrimSpace(addr), "http://")
	if rest, ok := strings.CutPrefix(addr, "*:"); ok {
		addr = "127.0.0.1:" + rest
	}
	return addr, addr != ""
}
