package export

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Without a clipboard tool the text goes to the terminal as one OSC 52
// escape: ESC ] 52 ; c ; base64 BEL.
func TestClipboardOSC52(t *testing.T) {
	text := "curl 'https://example.com/a b' -H 'X: ü'\n"
	var term bytes.Buffer
	via, err := newClipboard(&term, false, nil).Copy(text)
	must(t, err)
	want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(text)) + "\x07"
	if via != ViaOSC52 || term.String() != want {
		t.Fatalf("via %q wrote %q, want %q", via, term.String(), want)
	}

	// In tmux the escape also goes out wrapped for passthrough.
	term.Reset()
	_, err = newClipboard(&term, true, nil).Copy("x")
	must(t, err)
	plain := "\x1b]52;c;eA==\x07"
	if !strings.HasPrefix(term.String(), plain) || !strings.Contains(term.String()[len(plain):], "\x1bPtmux;\x1b\x1b]52;c;eA==\x07\x1b\\") {
		t.Fatalf("tmux wrote %q", term.String())
	}
}

// A clipboard tool is used when there is one; when it fails (no display
// over SSH) the text goes out as OSC 52 instead, and the status says so.
func TestClipboardToolThenFallback(t *testing.T) {
	var term bytes.Buffer
	var got []string
	ok := func(s string) error { got = append(got, s); return nil }
	via, err := newClipboard(&term, false, ok).Copy("one")
	must(t, err)
	if via != ViaTool || len(got) != 1 || got[0] != "one" || term.Len() != 0 {
		t.Fatalf("via %q, tool got %q, terminal %q", via, got, term.String())
	}
	failing := func(string) error { return errors.New("xclip: Error: Can't open display") }
	via, err = newClipboard(&term, false, failing).Copy("two")
	must(t, err)
	if via != ViaOSC52 || !strings.Contains(term.String(), base64.StdEncoding.EncodeToString([]byte("two"))) {
		t.Fatalf("via %q, terminal %q", via, term.String())
	}
	if _, err := newClipboard(nil, false, failing).Copy("three"); err == nil || !strings.Contains(err.Error(), "Can't open display") {
		t.Fatalf("no tool, no terminal: %v", err)
	}
}

// clipboardHelperEnv makes the test binary copy its argument with
// NewSystemClipboard and exit (see TestMain): atotto/clipboard looks for
// its tool when the process starts, so the tool on PATH must be there then.
const clipboardHelperEnv = "SIPHON_UI_CLIPBOARD_HELPER"

// runClipboardHelper is the helper process's whole work.
func runClipboardHelper(text string) {
	var term bytes.Buffer
	via, err := NewSystemClipboard(&term, false).Copy(text)
	if err != nil {
		os.Stderr.WriteString(err.Error())
		os.Exit(1)
	}
	os.Stdout.WriteString(via + "\n" + term.String())
	os.Exit(0)
}

// NewSystemClipboard uses the clipboard tool it finds (github.com/atotto/
// clipboard's): a fake xclip on PATH receives the text on its stdin.
func TestSystemClipboardUsesTool(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "clipboard")
	script := "#!/bin/sh\ncat > '" + out + "'\n"
	must(t, os.WriteFile(filepath.Join(dir, "xclip"), []byte(script), 0o755))
	text := "curl 'http://127.0.0.1:1/x'"
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), clipboardHelperEnv+"="+text, "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"), "WAYLAND_DISPLAY=")
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v: %s", err, stdout)
	}
	got, err := os.ReadFile(out)
	must(t, err)
	if string(stdout) != ViaTool+"\n" || string(got) != text {
		t.Fatalf("helper said %q; the tool got %q, want %q", stdout, got, text)
	}
}
