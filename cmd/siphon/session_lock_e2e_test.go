package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// writeSession creates a session file holding one finished POST to url.
func writeSession(t *testing.T, path, url string) {
	t.Helper()
	s, err := session.Open(path, session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := session.Now()
	s.Add(&session.Flow{State: session.Done,
		Request: &session.Request{Method: "POST", URL: url, Proto: "HTTP/1.1",
			Header: http.Header{"Content-Type": {"text/plain"}}, Body: session.Body{Data: []byte("hello"), Size: 5}},
		Response: &session.Response{Status: 201, Reason: "Created", Proto: "HTTP/1.1", Header: http.Header{}},
		Timings:  session.Timings{RequestReceived: now, Complete: now}})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestSessionInUseRefusesWritersOnly(t *testing.T) {
	sess := filepath.Join(t.TempDir(), "shared.db")
	const url = "http://app.test/upload"
	writeSession(t, sess, url)
	first := startDump(t, "", "--session", sess)
	want := fmt.Sprintf("siphon: session %s is in use by another siphon (pid %d)\n", sess, first.cmd.Process.Pid)

	// A second writer, headless or with the UI, stops before anything.
	for _, args := range [][]string{
		{"dump", "--session", sess, "--listen", "127.0.0.1:0"},
		{"--session", sess, "--listen", "127.0.0.1:0"},
	} {
		stdout, stderr, code := runSiphonDetached(t, args...)
		if code != 2 || stderr != want || stdout != "" {
			t.Errorf("siphon %s: exit %d, stderr %q, stdout %q; want exit 2 and %q",
				strings.Join(args, " "), code, stderr, stdout, want)
		}
	}

	// Readers go on reading.
	stdout, stderr, code := runSiphon(t, "dump", "--read", sess)
	if code != 0 || !strings.Contains(stdout, "POST "+url+" -> 201 Created") {
		t.Errorf("dump --read of a session in use: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	stdout, stderr, code = runSiphon(t, "export", "--format", "curl", sess)
	if code != 0 || !strings.Contains(stdout, url) {
		t.Errorf("export of a session in use: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	m, closeStore, err := browseModel(context.Background(), sess, "") // siphon --readonly
	if err != nil || m == nil {
		t.Errorf("--readonly of a session in use: %v", err)
	} else if err := closeStore(); err != nil {
		t.Error(err)
	}

	// A writer killed outright leaves its lock file, which blocks nobody.
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-first.exited
	next := startDump(t, "", "--session", sess)
	if code := next.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("writer after a killed one: exit %d\n%s", code, next.stderr)
	}
}
