package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui"
	"github.com/siphonproxy/siphon/ui/keymap"
)

const (
	chromeFixture  = "../../session/testdata/har/chrome-softwareishard.har"
	firefoxFixture = "../../session/testdata/har/firefox-handmade.har"
)

// browseHAR opens path as siphon --readonly does and drives the UI;
// temporary files go to tmp ($TMPDIR), which the caller checks.
func browseHAR(t *testing.T, path string) (*teatest.TestModel, func() error) {
	t.Helper()
	m, closeStore, err := browseModel(t.Context(), path, "")
	must(t, err)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(160, 30))
	return tm, closeStore
}

// quitAndClose quits the UI with Q as a user would, closes the store as
// browse does, and checks that the temporary directory is gone.
func quitAndClose(t *testing.T, tm *teatest.TestModel, closeStore func() error, tmp string) {
	t.Helper()
	tm.Send(keymap.Default().KeyMsg(keymap.ScopeGlobal, keymap.ActQuitNow))
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	must(t, closeStore())
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// siphon --readonly capture.har shows a browser's HAR file: detected by
// its content (here under a .json name), imported into a session in a
// temporary directory that is removed on exit, the HAR file untouched.
func TestTUIReadonlyHAR(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	orig, err := os.ReadFile(chromeFixture)
	must(t, err)
	path := filepath.Join(t.TempDir(), "export.json")
	must(t, os.WriteFile(path, orig, 0o444))

	tm, closeStore := browseHAR(t, path)
	waitScreen(t, tm, "read-only · export.json · 15 flows", "www.softwareishard.com", "/blog/har-12-spec/",
		"www.google-analytics.com", "/urchin.js")
	if dirs, _ := os.ReadDir(tmp); len(dirs) != 1 || !strings.HasPrefix(dirs[0].Name(), "siphon-har-") {
		t.Errorf("while browsing, %s holds %v; want one siphon-har-* directory", tmp, dirs)
	}
	// The first flow opens with its headers and the page Chrome saved.
	km := keymap.Default()
	tm.Send(km.KeyMsg(keymap.ScopeList, keymap.ActOpen))
	tm.Send(km.KeyMsg(keymap.ScopeFlow, keymap.ActNextTab))
	waitScreen(t, tm, "[Response]", "Content-Encoding: gzip", "HAR 1.2 Spec")
	quitAndClose(t, tm, closeStore, tmp)
	if now, err := os.ReadFile(path); err != nil || !bytes.Equal(now, orig) {
		t.Errorf("the HAR file changed (%v)", err)
	}
}

// Firefox's status 0 entries show as failed flows with their error, not
// as flows waiting for a response.
func TestTUIReadonlyFirefoxHAR(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	tm, closeStore := browseHAR(t, firefoxFixture)
	waitScreen(t, tm, "firefox-handmade.har · 6 flows", "tracker.example.net", "/pixel.gif?id=7", "ERR")
	km := keymap.Default()
	for range 4 {
		tm.Send(km.KeyMsg(keymap.ScopeList, keymap.ActDown))
	}
	tm.Send(km.KeyMsg(keymap.ScopeList, keymap.ActOpen))
	tm.Send(km.KeyMsg(keymap.ScopeFlow, keymap.ActNextTab))
	waitScreen(t, tm, "[Response]", "no response recorded (status 0)")
	quitAndClose(t, tm, closeStore, tmp)
}

// A HAR file that does not read gives one line and exit 2, and leaves no
// temporary session behind; so do files that are neither HAR nor a
// session.
func TestTUIReadonlyBadFiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // inherited by the siphon process
	dir := t.TempDir()
	good, err := os.ReadFile(chromeFixture)
	must(t, err)
	files := map[string]struct {
		data []byte
		want string
	}{
		"cut.har":     {good[:len(good)/2], "cut.har: read HAR: entry "},
		"corrupt.har": {bytes.Replace(good, []byte(`"status": 200`), []byte(`"status": "two hundred", "x": ]`), 1), "corrupt.har: read HAR: entry 0: invalid JSON"},
		"other.json":  {[]byte(`{"name": "not a HAR file"}`), "not a siphon session file"},
	}
	for name, f := range files {
		path := filepath.Join(dir, name)
		must(t, os.WriteFile(path, f.data, 0o644))
		_, stderr, code := runSiphon(t, "--readonly", path)
		if code != 2 || !strings.HasPrefix(stderr, "siphon: ") || !strings.Contains(stderr, f.want) ||
			strings.Count(stderr, "\n") != 1 {
			t.Errorf("siphon --readonly %s: exit %d, stderr %q; want exit 2 and one line with %q", name, code, stderr, f.want)
		}
		if now, _ := os.ReadFile(path); !bytes.Equal(now, f.data) {
			t.Errorf("%s was changed", name)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// Copying needs no proxy: in a read-only session c copies the flow as a
// curl command to the clipboard browse was given.
func TestTUIReadonlyCopiesAsCurl(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	clip := &fakeClipboard{}
	m, closeStore, err := browseModel(t.Context(), chromeFixture, "", ui.WithClipboard(clip))
	must(t, err)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(160, 30))
	waitScreen(t, tm, "chrome-softwareishard.har · 15 flows")
	tm.Send(keymap.Default().KeyMsg(keymap.ScopeList, keymap.ActCopyCurl))
	waitScreen(t, tm, "the test's clipboard")
	if got := clip.last(); !strings.HasPrefix(got, "curl ") || !strings.Contains(got, "www.softwareishard.com/blog/har-12-spec/") {
		t.Errorf("copied %q; want the first flow as a curl command", got)
	}
	quitAndClose(t, tm, closeStore, tmp)
}

// siphon --readonly on a HAR with _webSocketMessages (Chromium's own
// export) keeps the messages, for the Messages tab.
func TestTUIReadonlyHARKeepsWebSocketMessages(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	const fixture = "../../session/testdata/har/chrome-websocket.har"
	f, err := os.Open(fixture)
	must(t, err)
	defer f.Close()
	store, closeStore, err := importForBrowsing(t.Context(), f, fixture)
	must(t, err)
	defer closeStore()
	found := 0
	for _, fl := range store.List(nil, 0, 1000) {
		if fl.Kind != session.WebSocket {
			continue
		}
		msgs, err := store.Messages(fl.ID, 0, 100)
		must(t, err)
		found += len(msgs)
	}
	if found != 6 {
		t.Errorf("the WebSocket flows hold %d messages, want the HAR's 6", found)
	}
}
