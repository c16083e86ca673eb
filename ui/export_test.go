package ui

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/siphonproxy/siphon/replay"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// recordingClipboard keeps what is copied.
type recordingClipboard struct {
	mu    sync.Mutex
	texts []string
}

func (c *recordingClipboard) Copy(text string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.texts = append(c.texts, text)
	return "a test clipboard", nil
}

func (c *recordingClipboard) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.texts...)
}

// Export needs no proxy: in a read-only session c copies the flow under
// the cursor as curl, x offers the formats (drawn over the bottom of the
// screen), and a digit copies one. Replaying and intercepting say there is
// no proxy.
func TestExportReadOnly(t *testing.T) {
	store := fixedStore(t)
	clip := &recordingClipboard{}
	tm := start(t, store, 100, 24, WithReadOnly(), WithClipboard(clip))
	waitScreen(t, tm, "/v1/slow")
	press(tm, keymap.ScopeList, keymap.ActDown) // POST /v1/login
	press(tm, keymap.ScopeList, keymap.ActCopyCurl)
	waitScreen(t, tm, "copied flow #2 as curl command")
	press(tm, keymap.ScopeList, keymap.ActExport)
	waitScreen(t, tm, "export flow #2: copy to the clipboard", "HAR (this flow)")
	tm.Type("5")
	waitScreen(t, tm, "copied flow #2 as HAR (this flow)")
	press(tm, keymap.ScopeList, keymap.ActReplay)
	waitScreen(t, tm, keymap.NoProxy)
	press(tm, keymap.ScopeIntercept, keymap.ActIntercept) // says the same: nothing to wait for on screen
	if m := finish(t, tm); m.State().Message != keymap.NoProxy || m.line.Asking() {
		t.Errorf("i without a proxy: message %q, prompt open %v", m.State().Message, m.line.Asking())
	}

	stored := store.List(nil, 1, 1)[0]
	full, err := store.Get(stored.ID)
	must(t, err)
	curl, err := replay.Curl(full)
	must(t, err)
	har, err := replay.Export(replay.FormatHAR, full)
	must(t, err)
	got := clip.all()
	if len(got) != 2 || got[0] != curl || got[1] != string(har) {
		t.Fatalf("copied %d texts:\n%q\nwant the curl command and the HAR", len(got), got)
	}
	if !strings.Contains(curl, "password=s%26cret") {
		t.Errorf("curl command lacks the form body:\n%s", curl)
	}
}

// The export menu is drawn over the bottom of the screen.
func TestGoldenExportMenu(t *testing.T) {
	tm := start(t, fixedStore(t), 80, 24, WithReadOnly(), WithClipboard(&recordingClipboard{}))
	waitScreen(t, tm, "/v1/slow")
	press(tm, keymap.ScopeList, keymap.ActExport)
	press(tm, keymap.ScopeMenu, keymap.ActDown)
	waitScreen(t, tm, "export flow #1")
	golden.RequireEqual(t, []byte(finish(t, tm).View()))
}

// w asks for a path (a name made from the flow and format), writes the
// export there, and asks before replacing a file; esc in the menu copies
// nothing.
func TestWriteExport(t *testing.T) {
	store := fixedStore(t)
	clip := &recordingClipboard{}
	tm := start(t, store, 100, 24, WithReadOnly(), WithClipboard(clip))
	waitScreen(t, tm, "/v1/slow")
	press(tm, keymap.ScopeList, keymap.ActExport)
	waitScreen(t, tm, "export flow #1")
	press(tm, keymap.ScopeMenu, keymap.ActCancel)
	path := filepath.Join(t.TempDir(), "out.http")
	must(t, os.WriteFile(path, []byte("keep me"), 0o600))

	press(tm, keymap.ScopeList, keymap.ActWrite)
	press(tm, keymap.ScopeMenu, keymap.ActDown)
	press(tm, keymap.ScopeMenu, keymap.ActDown)
	press(tm, keymap.ScopeMenu, keymap.ActConfirm) // raw request
	waitScreen(t, tm, "write flow #1 as raw request to: flow-1.request.http")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlU})
	typeText(tm, path)
	waitScreen(t, tm, "exists: replace it?")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("n")})
	// Keys are handled in order: once c has copied, the no was taken.
	press(tm, keymap.ScopeList, keymap.ActCopyCurl)
	waitScreen(t, tm, "copied flow #1 as curl command")
	if b, _ := os.ReadFile(path); string(b) != "keep me" {
		t.Fatalf("the file was replaced after a no: %q", b)
	}

	press(tm, keymap.ScopeList, keymap.ActWrite)
	press(tm, keymap.ScopeMenu, keymap.ActDown)
	press(tm, keymap.ScopeMenu, keymap.ActDown)
	press(tm, keymap.ScopeMenu, keymap.ActConfirm)
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlU})
	typeText(tm, path)
	waitScreen(t, tm, "exists: replace it?")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("y")})
	waitScreen(t, tm, "wrote flow #1 as raw request to "+path)
	got, err := os.ReadFile(path)
	must(t, err)
	if !strings.HasPrefix(string(got), "GET /v1/projects/42?expand=owner HTTP/1.1\r\nHost: api.example.com\r\n") {
		t.Fatalf("written:\n%q", got)
	}
	if n := len(clip.all()); n != 1 {
		t.Errorf("%d copies, want the one of c: esc in the menu and w copy nothing", n)
	}
}
