package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/replay"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// r re-sends the flow under the cursor through siphon's own listener: the
// origin gets the same request again and the replay is captured as a new
// flow marked as a replay; ctrl+r re-sends every flow the view filter
// shows, in the order they were captured, once the user agrees to send
// the POSTs again.
func TestTUIReplay(t *testing.T) {
	secure := newRecordingOrigin(t, true)
	h := startTUIHarness(t, "--upstream-ca", writePEM(t, secure.Certificate()))
	plain := newRecordingOrigin(t, false)

	header := http.Header{"Content-Type": {"application/json"}, "X-Trace": {"one", "two"}}
	if x := outcome(t, h.send("POST", secure.URL+"/api/one?q=a%20b", `{"n":1}`, header)); x.status != 200 {
		t.Fatalf("capture: %+v", x)
	}
	original := secure.next(t)
	for _, p := range []string{"/api/two", "/other"} {
		if x := outcome(t, h.send("GET", plain.URL+p, "", nil)); x.status != 200 {
			t.Fatalf("capture: %+v", x)
		}
		plain.next(t)
	}
	h.wait("/api/one?q=a%20b", "/api/two", "/other", "3 flows")

	h.press(keymap.ScopeList, keymap.ActReplay)
	assertSameRequest(t, "replay of #1", secure.next(t), original)
	h.wait("replayed flow #1 as #4: 200", "4 flows")
	replayed := h.app.run.store.List(nil, 3, 1)[0]
	if replayed.Source != session.Replay || replayed.Request.URL != secure.URL+"/api/one?q=a%20b" {
		t.Fatalf("flow #4: source %v, %s", replayed.Source, replayed.Request.URL)
	}

	// ctrl+r replays what "~u /api" shows: #1, #2 and the replay #4.
	h.press(keymap.ScopeList, keymap.ActFilter)
	h.typeLine("~u /api")
	h.wait("3/4 flows")
	h.press(keymap.ScopeList, keymap.ActReplayAll)
	h.wait("replay 3 flows, 2 of them POST?") // #1 and #4 are POSTs
	h.press(keymap.ScopePrompt, keymap.ActConfirm)
	assertSameRequest(t, "ctrl+r: #1", secure.next(t), original)
	if s := plain.next(t); !strings.HasSuffix(s.URL, "/api/two") {
		t.Fatalf("ctrl+r: second request %s %s", s.Method, s.URL)
	}
	assertSameRequest(t, "ctrl+r: #4", secure.next(t), original)
	h.wait("replayed 3 flows: 3 sent, 0 errors")
	noRequest(t, plain, "/other is not shown")
	if n := h.app.run.store.Count(session.MatcherFunc(func(f *session.Flow) bool { return f.Source == session.Replay })); n != 4 {
		t.Errorf("%d flows marked as replays, want 4", n)
	}
}

// c copies the flow as a curl command that reproduces the request; x
// offers every export format, copied (enter, or a digit) or written to a
// file (w); w on the list opens the same menu to write, and asks before
// it replaces a file.
func TestTUIExport(t *testing.T) {
	h := startTUIHarness(t)
	origin := newRecordingOrigin(t, false)
	header := http.Header{"Content-Type": {"text/plain"}, "X-Order": {"b", "a"}, "User-Agent": {"siphon-test"}, "Accept": {"*/*"}}
	if x := outcome(t, h.send("PUT", origin.URL+"/doc?v=1&w=%2F", "it's a body\n", header)); x.status != 200 {
		t.Fatalf("capture: %+v", x)
	}
	original := origin.next(t)
	h.wait("/doc?v=1")
	stored := h.flowWith("/doc?v=1&w=%2F")

	h.press(keymap.ScopeList, keymap.ActCopyCurl)
	h.wait("copied flow #1 as curl command")
	script := h.clip.last()
	if want, _ := replay.Curl(stored); script != want {
		t.Fatalf("copied:\n%s\nwant:\n%s", script, want)
	}
	runScript(t, t.TempDir(), script)
	assertSameRequest(t, "the copied curl command", origin.next(t), original)

	// x, then 3: the raw request.
	h.press(keymap.ScopeList, keymap.ActExport)
	h.wait("export flow #1: copy to the clipboard", "raw request")
	h.tm.Type("3")
	h.wait("copied flow #1 as raw request")
	if raw := h.clip.last(); !strings.HasPrefix(raw, "PUT /doc?v=1&w=%2F HTTP/1.1\r\n") || !strings.HasSuffix(raw, "\r\n\r\nit's a body\n") {
		t.Fatalf("raw request:\n%q", raw)
	}

	// x, down to HAR, w: written to the file typed.
	har := filepath.Join(h.dir, "one.har")
	h.press(keymap.ScopeList, keymap.ActExport)
	for range 4 {
		h.press(keymap.ScopeMenu, keymap.ActDown)
	}
	h.press(keymap.ScopeMenu, keymap.ActWrite)
	h.wait("write flow #1 as HAR (this flow) to: flow-1.har")
	h.typeLine(har)
	h.wait("wrote flow #1 as HAR (this flow) to " + har)
	want, err := replay.Export(replay.FormatHAR, stored)
	must(t, err)
	if got, _ := os.ReadFile(har); string(got) != string(want) {
		t.Fatalf("HAR file:\n%s\nwant:\n%s", got, want)
	}

	// w, enter (curl) onto the same file: siphon asks first.
	h.press(keymap.ScopeList, keymap.ActWrite)
	h.wait("export flow #1: write to a file")
	h.press(keymap.ScopeMenu, keymap.ActConfirm)
	h.typeLine(har)
	h.wait(har + " exists: replace it?")
	h.tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("y")})
	h.wait("wrote flow #1 as curl command to " + har)
	if got, _ := os.ReadFile(har); string(got) != script {
		t.Fatalf("curl file:\n%s\nwant:\n%s", got, script)
	}
	if fi, err := os.Stat(filepath.Join(h.dir, "one.har")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("export file mode: %v %v", fi.Mode(), err)
	}
}

// e on a flow that is not paused edits its stored request (the captured
// one stays as the Original), and r sends the edited one.
func TestTUIEditThenReplay(t *testing.T) {
	h := startTUIHarness(t)
	origin := newRecordingOrigin(t, false)
	h.setEditor(`sed -i -e 's#/v1/item #/v2/item #' -e 's/^X-Mode: .*/X-Mode: edited/' -e 's/old body/new body/' "$1"
`)
	if x := outcome(t, h.send("POST", origin.URL+"/v1/item", "old body", http.Header{"X-Mode": {"captured"}})); x.status != 200 {
		t.Fatalf("capture: %+v", x)
	}
	origin.next(t)
	h.wait("/v1/item")
	h.press(keymap.ScopeIntercept, keymap.ActEdit)
	h.wait("edited the request of flow #1: r sends it")
	h.press(keymap.ScopeList, keymap.ActReplay)
	got := origin.next(t)
	if got.Method != "POST" || !strings.HasSuffix(got.URL, "/v2/item") || got.Header.Get("X-Mode") != "edited" || string(got.Body) != "new body" {
		t.Fatalf("the replay sent %s %s %v %q", got.Method, got.URL, got.Header, got.Body)
	}
	f := h.flowWith("/v2/item")
	if f.Original == nil || !strings.HasSuffix(f.Original.URL, "/v1/item") || string(f.Original.Body.Data) != "old body" {
		t.Errorf("the edited flow's Original: %+v", f.Original)
	}
}
