package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// With only a reverse listener (no regular one to send replays through),
// r still re-sends a flow: through siphon's own loopback listener, to the
// origin, captured as a replay under the same rules. (Sent to the reverse
// listener, the HTTPS replay's CONNECT was refused.)
func TestTUIReplayReverseOnly(t *testing.T) {
	origin := newRecordingOrigin(t, true)
	rules := filepath.Join(t.TempDir(), "rules.yaml")
	must(t, os.WriteFile(rules, []byte("- name: tag replays\n  match: ~listener ^replay$\n  rewrite:\n    request:\n      set-headers: {X-Rule: applied}\n"), 0o644))
	h := startTUIHarness(t, "--mode", "reverse:"+origin.URL+"@0", "--rules", rules, "--upstream-ca", writePEM(t, origin.Certificate()))
	reverse := h.app.run.addrs[0].String()

	res, err := http.Post("http://"+reverse+"/api/one", "text/plain", strings.NewReader("body"))
	must(t, err)
	res.Body.Close()
	first := origin.next(t)
	if first.Header.Get("X-Rule") != "" {
		t.Fatalf("capture: the rule for replays applied to a reverse flow")
	}
	h.wait("/api/one", "· 1 flow ·")

	h.press(keymap.ScopeList, keymap.ActReplay)
	again := origin.next(t)
	assertSameRequest(t, "replay through a reverse-only siphon", again, first, "X-Rule")
	if again.Header.Get("X-Rule") != "applied" {
		t.Errorf("the replay did not pass the rules: X-Rule %q", again.Header.Get("X-Rule"))
	}
	h.wait("replayed flow #1 as #2: 200", "2 flows")
	replayed := h.app.run.store.List(nil, 1, 1)[0]
	if replayed.Source != session.Replay || replayed.Listener != "replay" || replayed.Request.URL != origin.URL+"/api/one" {
		t.Fatalf("flow #2: source %v, listener %q, %s", replayed.Source, replayed.Listener, replayed.Request.URL)
	}
}
