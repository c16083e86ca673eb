package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// TestReplayCommandRepeat replays a captured session 100 times, 8 at a
// time: every replay reaches the origin as the original did, the summary
// counts them, and the replays are captured, marked, into a session file.
func TestReplayCommandRepeat(t *testing.T) {
	sess, want, plain, secure, originCA := capturedSession(t)
	out := filepath.Join(t.TempDir(), "replays.db")
	stdout, stderr, code := runSiphon(t, "replay", sess, "--filter", "~m POST", "--repeat", "100",
		"--concurrency", "8", "--upstream-ca", originCA, "--session", out)
	if code != 0 {
		t.Fatalf("siphon replay: exit %d\n%s\n%s", code, stderr, stdout)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 201 {
		t.Fatalf("%d lines of output, want 200 results and a summary:\n%s", len(lines), stdout)
	}
	result := regexp.MustCompile(`^#[14] r\d+ POST https?://127\.0\.0\.1:\d+/api/items\?\S+ -> 200 \d+B \S+$`)
	for _, l := range lines[:200] {
		if !result.MatchString(l) {
			t.Fatalf("result line %q", l)
		}
	}
	if !regexp.MustCompile(`^summary: 200 sent, 0 errors, p50 \S+, p95 \S+, max \S+; 200×200$`).MatchString(lines[200]) {
		t.Errorf("summary line %q", lines[200])
	}
	for i := range 100 {
		assertSameRequest(t, "replay", plain.next(t), want[0])
		assertSameRequest(t, "replay", secure.next(t), want[3])
		if t.Failed() {
			t.Fatalf("replay %d differs", i)
		}
	}

	store, err := session.Open(out, session.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	replays := store.Count(session.MatcherFunc(func(f *session.Flow) bool {
		return f.Source == session.Replay && f.State == session.Done && f.Response != nil && f.Response.Status == 200
	}))
	if replays != 200 || store.Len() != 200 {
		t.Errorf("replay session holds %d flows, %d of them finished replays; want 200", store.Len(), replays)
	}
}

// TestReplayCommandReportsErrors replays into the same session, with one
// origin gone: errors are counted, printed, and make the exit status 1.
func TestReplayCommandReportsErrors(t *testing.T) {
	sess, _, plain, _, originCA := capturedSession(t)
	plain.Close()
	stdout, stderr, code := runSiphon(t, "replay", sess, "--repeat", "2", "--upstream-ca", originCA, "--session", sess)
	if code != 1 || !strings.Contains(stderr, "6 of 12 exchanges failed") {
		t.Fatalf("exit %d, stderr %q; want 1 and 6 of 12 failed", code, stderr)
	}
	if !strings.Contains(stdout, "-> ERR dial: ") || !strings.Contains(stdout, "summary: 12 sent, 6 errors") {
		t.Errorf("output:\n%s", stdout)
	}
	store, err := session.Open(sess, session.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if n := store.Count(session.MatcherFunc(func(f *session.Flow) bool { return f.Source == session.Replay })); n != 12 || store.Len() != 18 {
		t.Errorf("session holds %d flows, %d replays; want 18 and 12", store.Len(), n)
	}

	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"replay"}, "want one session file"},
		{[]string{"replay", sess, "--repeat", "0"}, "at least 1"},
		{[]string{"replay", filepath.Join(t.TempDir(), "none.db")}, "no such file"},
		{[]string{"replay", sess, "--filter", "~bogus"}, "bad --filter"},
	} {
		_, errOut, code := runSiphon(t, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.msg) {
			t.Errorf("siphon %v: exit %d %q, want 2 and %q", tc.args, code, errOut, tc.msg)
		}
	}
}
