package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The dump command's watcher tells the user about each reload, good or
// bad, and a bad one leaves the rules in force.
func TestWatchRulesReportsReloads(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mocks.yaml")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("- name: a\n  match: ~all\n  block: 403\n")
	o := &proxyOptions{rules: stringList{path}}
	e, err := o.loadRules()
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	stop := watchRules(context.Background(), e, pw, slog.New(slog.DiscardHandler))
	defer func() { stop(); pw.Close() }()
	next := func() string {
		t.Helper()
		select {
		case l := <-lines:
			return l
		case <-time.After(10 * time.Second):
			t.Fatal("no report within 10s")
			return ""
		}
	}

	write("- name: a\n  match: ~all\n  block: 404 # longer than before\n")
	if l := next(); l != "siphon: reloaded rules from "+path {
		t.Errorf("good reload: %q", l)
	}
	write("- name: a\n  match: ~all\n  blok: 404\n")
	if l := next(); !strings.Contains(l, "rules not reloaded, the previous ones stay in force") {
		t.Errorf("bad reload: %q", l)
	}
	if l := next(); !strings.HasPrefix(l, path+":3: unknown action \"blok\"") {
		t.Errorf("bad reload detail: %q", l)
	}
	if rs := e.Rules(); len(rs) != 1 || rs[0].Rule.Block.Status != 404 {
		t.Errorf("rules after a bad reload: %+v", rs[0].Rule)
	}
}
