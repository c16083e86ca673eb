package ui

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/ui/keymap"
	"golang.org/x/sys/unix"
)

// Fifty round trips to $EDITOR leave the number of open descriptors as it
// was. Bubble Tea v1.3.10 leaked one each (an epoll descriptor of the
// input reader it makes anew after the editor, never closing the old
// one), but only when its input is a real terminal: the program runs on a
// pseudo-terminal here.
func TestEditorRoundTripsKeepDescriptors(t *testing.T) {
	m := New(fixedStore(t), WithLocation(time.UTC), WithEngine(intercept.New(intercept.Config{})), WithEditor("true"))
	r := runOnPTY(t, m)
	r.press(keymap.ScopeIntercept, keymap.ActEdit)
	r.waitEdited("round trip 0") // the first one sets up what every later one reuses
	before := openDescriptors(t)
	const trips = 50
	for i := 1; i <= trips; i++ {
		r.press(keymap.ScopeIntercept, keymap.ActEdit)
		r.waitEdited(fmt.Sprintf("round trip %d", i))
	}
	after := openDescriptors(t)
	r.quit()
	if after > before+3 {
		t.Errorf("open descriptors grew from %d to %d over %d editor round trips", before, after, trips)
	}
}

// What is typed while the editor runs reaches the editor, not the UI
// behind it (whose read of the terminal ends before the editor starts),
// and the UI reads keys again afterwards.
func TestEditorReadsTheTerminal(t *testing.T) {
	dir := t.TempDir()
	ready, got := filepath.Join(dir, "ready"), filepath.Join(dir, "got")
	must(t, unix.Mkfifo(ready, 0o600))
	script := filepath.Join(dir, "editor.sh")
	// The editor says it runs (a line into the FIFO), then reads a line
	// from its terminal.
	must(t, os.WriteFile(script, []byte(`echo running > "`+ready+`"; read line; printf '%s' "$line" > "`+got+`"`+"\n"), 0o644))
	m := New(fixedStore(t), WithLocation(time.UTC), WithEngine(intercept.New(intercept.Config{})), WithEditor("sh "+script))
	r := runOnPTY(t, m)
	r.press(keymap.ScopeIntercept, keymap.ActEdit)
	r.nextKey()
	running := make(chan string, 1)
	go func() { // opening the FIFO waits for the editor to open it
		line := "no editor"
		if fifo, err := os.Open(ready); err == nil {
			line, _ = bufio.NewReader(fifo).ReadString('\n')
			fifo.Close()
		}
		running <- line
	}()
	select {
	case line := <-running:
		if line != "running\n" {
			t.Fatalf("editor: %q", line)
		}
	case <-r.ctx.Done():
		t.Fatal("the editor did not start")
	}
	r.typeKeys("edit me\r") // keys the UI would act on: e, d, i, t, m
	r.waitEdited("the editor")
	data, err := os.ReadFile(got)
	must(t, err)
	if string(data) != "edit me" {
		t.Errorf("the editor read %q, want %q", data, "edit me")
	}
	select {
	case k := <-r.keys:
		t.Errorf("the UI got %q, typed for the editor", k)
	default:
	}
	r.press(keymap.ScopeList, keymap.ActDown)
	if k := r.nextKey(); k.String() != keymap.Default().Key(keymap.ScopeList, keymap.ActDown) {
		t.Errorf("after the editor the UI got %q", k)
	}
	r.quit()
}
