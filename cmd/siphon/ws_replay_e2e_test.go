package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// TestReplayWebSocketThroughBinary is acceptance 3 of issue 12 through
// siphon replay: a captured conversation (plain and MITM, compressed)
// replayed reaches the echo server and is captured as a replay flow with
// the same client messages; --ws-at-once sends them without the gaps.
func TestReplayWebSocketThroughBinary(t *testing.T) {
	plain, secure, originCA := wsOrigins(t, wsEcho())
	home := t.TempDir()
	roots, _ := siphonCA(t, home)
	c := startDump(t, home, "--upstream-ca", originCA)
	cases := wsCases(plain, secure)[1:3]
	runWSCases(t, c.addr, roots, cases)
	orig := stoppedSession(t, c)

	for _, atOnce := range []bool{false, true} {
		out := filepath.Join(t.TempDir(), "replay.db")
		args := []string{"replay", c.session, "--upstream-ca", originCA, "--session", out}
		if atOnce {
			args = append(args, "--ws-at-once")
		}
		stdout, stderr, code := runSiphon(t, args...)
		if code != 0 {
			t.Fatalf("siphon replay: exit %d\n%s\n%s", code, stdout, stderr)
		}
		line := regexp.MustCompile(`(?m)^#\d+ GET \S+/ws/\d -> 101, 6 messages sent, \S+ received`)
		if n := len(line.FindAllString(stdout, -1)); n != 2 {
			t.Errorf("siphon replay printed %d WebSocket lines, want 2:\n%s", n, stdout)
		}
		replayed, err := session.Open(out, session.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range cases {
			u := strings.Replace(tc.url, "ws", "http", 1)
			_, want := wsFlow(t, orig, u)
			f, got := wsFlow(t, replayed, u)
			if f.Source != session.Replay || f.State != session.Done {
				t.Errorf("%s: replay flow source %v state %v", u, f.Source, f.State)
			}
			wantUp, gotUp := upOnly(want), upOnly(got)
			if len(gotUp) != len(wantUp) {
				t.Fatalf("%s: replay sent %d client messages, want %d", u, len(gotUp), len(wantUp))
			}
			for i := range wantUp {
				if gotUp[i].Opcode != wantUp[i].Opcode || !bytes.Equal(gotUp[i].Data, wantUp[i].Data) {
					t.Errorf("%s: replayed message %d: %v %d bytes, want %v %d bytes", u, i, gotUp[i].Opcode, len(gotUp[i].Data), wantUp[i].Opcode, len(wantUp[i].Data))
				}
			}
			// The echo server answered every message and the close.
			if down := len(got) - len(gotUp); down != len(wantUp) {
				t.Errorf("%s: the server sent %d messages to the replay, want %d", u, down, len(wantUp))
			}
		}
		replayed.Close()
	}
}

func upOnly(msgs []session.Message) []session.Message {
	var out []session.Message
	for _, m := range msgs {
		if m.Dir == session.Up {
			out = append(out, m)
		}
	}
	return out
}
