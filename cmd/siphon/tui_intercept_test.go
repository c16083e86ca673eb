package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// i sets the intercept filter: matching requests pause (marked ⏸ in the
// list) while others pass; a resumes one, X kills one (its client's
// connection is closed and the origin never sees it), A resumes all, I
// turns interception off and on.
func TestTUIInterceptResumeKillToggle(t *testing.T) {
	h := startTUIHarness(t)
	origin := newRecordingOrigin(t, false)

	h.press(keymap.ScopeIntercept, keymap.ActIntercept)
	h.typeLine("~u /pause")
	h.wait("intercept: ~u /pause")

	// A flow that does not match passes while another is paused.
	paused := h.send("GET", origin.URL+"/pause/a", "", nil)
	h.wait("⏸ 1 paused", "/pause/a")
	noRequest(t, origin, "the request is paused")
	if x := outcome(t, h.send("GET", origin.URL+"/free", "", nil)); x.status != 200 {
		t.Fatalf("unpaused flow: %+v", x)
	}
	if s := origin.next(t); !strings.HasSuffix(s.URL, "/free") {
		t.Fatalf("origin got %s", s.URL)
	}

	// a resumes the flow under the cursor (the first one).
	h.press(keymap.ScopeIntercept, keymap.ActResume)
	if x := outcome(t, paused); x.status != 200 || x.body != "seen GET\n" {
		t.Fatalf("resumed flow: %+v", x)
	}
	if s := origin.next(t); !strings.HasSuffix(s.URL, "/pause/a") {
		t.Fatalf("origin got %s", s.URL)
	}

	// X kills the newest paused flow: its client sees the connection end.
	// (A POST, which Go's client does not retry on a new connection.)
	killed := h.send("POST", origin.URL+"/pause/b", "x", nil)
	h.wait("⏸ 1 paused", "/pause/b")
	h.press(keymap.ScopeList, keymap.ActBottom)
	h.press(keymap.ScopeIntercept, keymap.ActKill)
	if x := outcome(t, killed); x.err == nil {
		t.Fatalf("killed flow answered: %+v", x)
	}
	h.wait("killed flow #3")
	noRequest(t, origin, "the flow was killed")
	if f := h.flowWith("/pause/b"); f.Err == nil || f.Err.Phase != session.PhaseIntercept {
		t.Errorf("killed flow's error: %+v", f.Err)
	}

	// A resumes every paused flow.
	one, two := h.send("GET", origin.URL+"/pause/c", "", nil), h.send("GET", origin.URL+"/pause/d", "", nil)
	h.wait("⏸ 2 paused")
	h.press(keymap.ScopeIntercept, keymap.ActResumeAll)
	h.wait("resumed 2 paused flows")
	for _, ch := range []<-chan exchange{one, two} {
		if x := outcome(t, ch); x.status != 200 {
			t.Fatalf("resumed flow: %+v", x)
		}
	}
	origin.next(t)
	origin.next(t)

	// I turns interception off: a matching request passes at once.
	h.press(keymap.ScopeIntercept, keymap.ActInterceptToggle)
	h.wait("intercept: off")
	if x := outcome(t, h.send("GET", origin.URL+"/pause/e", "", nil)); x.status != 200 {
		t.Fatalf("with interception off: %+v", x)
	}
	origin.next(t)
	h.press(keymap.ScopeIntercept, keymap.ActInterceptToggle)
	h.wait("intercept: ~u /pause")
	if !h.app.engine.Intercepting() || h.app.engine.InterceptFilter() != "~u /pause" {
		t.Errorf("engine: intercepting %v, filter %q", h.app.engine.Intercepting(), h.app.engine.InterceptFilter())
	}
}

// e opens a paused request in $EDITOR as raw HTTP; a message that no
// longer parses opens again with the error on top, and the fixed one is
// what the origin receives (its gzip body decoded for the editor and
// encoded again). The flow keeps the client's request as its Original.
func TestTUIEditPausedRequest(t *testing.T) {
	h := startTUIHarness(t)
	origin := newRecordingOrigin(t, false)
	h.setEditor(`f="$1"
if grep -q '^# siphon: line' "$f"; then
	cp "$f" DIR/reopened.http
	sed -i -e 's/^Bad Header Line$/Content-Type: application\/json/' -e 's#/edit/me #/edited #' \
		-e 's/"ada"/"grace"/' -e '/^Content-Type:/a X-Edited: yes' "$f"
else
	cp "$f" DIR/first.http
	sed -i 's/^Content-Type:.*/Bad Header Line/' "$f"
fi
`)
	h.press(keymap.ScopeIntercept, keymap.ActIntercept)
	h.typeLine("~u /edit")
	h.wait("intercept: ~u /edit")

	var body bytes.Buffer
	zw := gzip.NewWriter(&body)
	io.WriteString(zw, `{"name":"ada"}`)
	zw.Close()
	client := h.send("POST", origin.URL+"/edit/me", body.String(), http.Header{
		"Content-Type": {"application/json"}, "Content-Encoding": {"gzip"}})
	h.wait("⏸ 1 paused", "/edit/me")
	h.press(keymap.ScopeIntercept, keymap.ActEdit)

	if x := outcome(t, client); x.status != 200 {
		t.Fatalf("client: %+v", x)
	}
	got := origin.next(t)
	if got.Method != "POST" || !strings.HasSuffix(got.URL, "/edited") || got.Header.Get("X-Edited") != "yes" {
		t.Errorf("origin got %s %s %v", got.Method, got.URL, got.Header)
	}
	zr, err := gzip.NewReader(bytes.NewReader(got.Body))
	must(t, err)
	plain, _ := io.ReadAll(zr)
	if string(plain) != `{"name":"grace"}` {
		t.Errorf("origin's body decodes to %q", plain)
	}
	first, _ := os.ReadFile(filepath.Join(h.dir, "first.http"))
	if !strings.Contains(string(first), "POST "+origin.URL+"/edit/me HTTP/1.1\n") || !strings.Contains(string(first), `{"name":"ada"}`) {
		t.Errorf("the editor was first given:\n%s", first)
	}
	reopened, _ := os.ReadFile(filepath.Join(h.dir, "reopened.http"))
	if !strings.Contains(string(reopened), `"Bad Header Line" is not a header line`) {
		t.Errorf("the editor was re-opened with:\n%s", reopened)
	}
	h.wait("sent the edited request of flow #1")
	f := h.flowWith("/edited")
	if f.Original == nil || !strings.HasSuffix(f.Original.URL, "/edit/me") {
		t.Errorf("the flow's Original: %+v", f.Original)
	}

	// The flow view shows both requests; o shows the client's with its body.
	h.press(keymap.ScopeList, keymap.ActOpen)
	h.wait("edited; the client sent (o shows it with its body):", `"grace"`)
	h.press(keymap.ScopeFlow, keymap.ActOriginal)
	h.wait("the request as the client sent it", `"ada"`)
}

// e at a response breakpoint (~s in the filter) edits what the client
// gets; p answers a paused request with a response of one's own, and the
// origin is never contacted.
func TestTUIEditResponseAndAnswer(t *testing.T) {
	h := startTUIHarness(t)
	origin := newRecordingOrigin(t, false)
	h.setEditor(`sed -i -e 's/^HTTP\/1.1 200 OK$/HTTP\/1.1 203 Edited/' -e 's/seen GET/changed by the test/' \
	-e 's/answered by siphon/answered by the test/' "$1"
`)
	h.press(keymap.ScopeIntercept, keymap.ActIntercept)
	h.typeLine("~s & ~u /resp")
	h.wait("intercept: ~s & ~u /resp")
	client := h.send("GET", origin.URL+"/resp/x", "", nil)
	origin.next(t) // the request went on; its response is paused
	h.wait("⏸ 1 paused", "/resp/x")
	h.press(keymap.ScopeIntercept, keymap.ActEdit)
	if x := outcome(t, client); x.status != 203 || x.body != "changed by the test\n" {
		t.Fatalf("client got %+v", x)
	}

	h.press(keymap.ScopeIntercept, keymap.ActIntercept)
	h.typeLine("~u /answer")
	h.wait("intercept: ~u /answer")
	client = h.send("GET", origin.URL+"/answer/x", "", nil)
	h.wait("⏸ 1 paused", "/answer/x")
	h.press(keymap.ScopeList, keymap.ActBottom)
	h.press(keymap.ScopeIntercept, keymap.ActAnswer)
	if x := outcome(t, client); x.status != 203 || x.body != "answered by the test\n" { // the same script edits the template
		t.Fatalf("client got %+v", x)
	}
	noRequest(t, origin, "the flow was answered at the request")
	h.wait("answered flow #2")
	if f := h.flowWith("/answer/x"); f.Source != session.Mock {
		t.Errorf("answered flow's source: %v", f.Source)
	}
}

// R lists the rules from files and added ones with hit counts; space turns
// one on or off, n adds one made from the flow under the cursor, s saves
// the added ones to a file.
func TestTUIRulesView(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules.yaml")
	must(t, os.WriteFile(rules, []byte(`- name: hold users
  match: ~u /users
  enabled: false
  breakpoint: request
- name: teapot
  match: ~u /tea
  mock: {status: 418, body: short and stout}
`), 0o644))
	h := startTUIHarness(t, "--rules", rules)
	origin := newRecordingOrigin(t, false)

	if x := outcome(t, h.send("GET", origin.URL+"/tea", "", nil)); x.status != 418 {
		t.Fatalf("mock: %+v", x)
	}
	h.press(keymap.ScopeGlobal, keymap.ActRules)
	h.wait("hold users", "breakpoint request", "teapot", "mock 418", "rules.yaml:1", "rules.yaml:5")
	if st := h.app.engine.Rules(); st[1].Hits != 1 {
		t.Errorf("teapot hits: %d", st[1].Hits)
	}

	// space turns the breakpoint on: /users pauses.
	h.press(keymap.ScopeRules, keymap.ActToggle)
	h.wait(`rule "hold users" on`)
	client := h.send("GET", origin.URL+"/users", "", nil)
	h.wait("⏸ 1 paused")
	noRequest(t, origin, "the breakpoint rule holds the request")
	h.press(keymap.ScopeRules, keymap.ActBack)
	h.press(keymap.ScopeIntercept, keymap.ActResumeAll)
	if x := outcome(t, client); x.status != 200 {
		t.Fatalf("resumed: %+v", x)
	}
	origin.next(t)
	h.wait("/users")

	// n on /users (the list's cursor is on the last flow): match pre-filled,
	// action typed.
	h.press(keymap.ScopeList, keymap.ActBottom)
	h.press(keymap.ScopeGlobal, keymap.ActRules)
	h.press(keymap.ScopeRules, keymap.ActNewRule)
	h.wait(`new rule, match: ~m ^GET$ & ~u '^http://` + regexp.QuoteMeta(strings.TrimPrefix(origin.URL, "http://")) + `/users([?#]|$)'`)
	h.typeLine(`~m ^GET$ & ~u /users`)
	h.wait("action (as in a rules file): breakpoint: request")
	h.typeLine("block: 451")
	h.wait(`added rule "GET 127.0.0.1`, "block 451", "added here")
	// The added rule comes after the file's: pause the file's first.
	h.press(keymap.ScopeRules, keymap.ActToggle)
	h.wait(`rule "hold users" off`)
	if x := outcome(t, h.send("GET", origin.URL+"/users", "", nil)); x.status != 451 {
		t.Fatalf("added block rule: %+v", x)
	}
	noRequest(t, origin, "the added rule blocks the request")

	// s refuses the loaded file, and saves elsewhere.
	h.press(keymap.ScopeRules, keymap.ActSaveRules)
	h.typeLine(rules)
	h.wait("rules are loaded from this file")
	saved := filepath.Join(dir, "added.yaml")
	h.typeLine(saved)
	h.wait("saved 1 rule to " + saved)
	back, err := intercept.LoadFile(saved)
	must(t, err)
	if len(back) != 1 || back[0].Block == nil || back[0].Block.Status != 451 || back[0].Match != `~m ^GET$ & ~u /users` {
		t.Fatalf("saved rules: %+v", back)
	}

	// A bad edit of the rules file shows in the view; its rules stay.
	must(t, os.WriteFile(rules, []byte("- name: oops\n  match: ~all\n  mok: {}\n"), 0o644))
	h.wait(`rules.yaml:3: unknown action "mok"`)
	if x := outcome(t, h.send("GET", origin.URL+"/tea", "", nil)); x.status != 418 {
		t.Fatalf("the old mock after a bad reload: %+v", x)
	}
}
