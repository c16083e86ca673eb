package ui

import (
	"context"
	"io"
	"os"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/ui/breakpoint"
	"github.com/siphonproxy/siphon/ui/flowlist"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/terminal/ptytest"
)

// ptyRun is the UI run by Run on a pseudo-terminal, with keys typed into
// it as a user types them.
type ptyRun struct {
	t      *testing.T
	ctx    context.Context
	ptm    *os.File // the terminal emulator's side
	ran    chan error
	edited chan struct{} // an editor came back
	keys   chan tea.KeyMsg
}

// runOnPTY runs m on a new pseudo-terminal and returns once the list has
// its flows and its size (the terminal is in raw mode by then).
func runOnPTY(t *testing.T, m *Model) *ptyRun {
	t.Helper()
	ptm, pts := ptytest.Open(t, 100, 30)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		io.Copy(io.Discard, ptm) // the screen; ends with EIO once pts is closed
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	r := &ptyRun{t: t, ctx: ctx, ptm: ptm, ran: make(chan error, 1),
		edited: make(chan struct{}, 1), keys: make(chan tea.KeyMsg, 64)}
	listed := make(chan struct{})
	var sized, refreshed, told bool // only the program's goroutine filters
	watch := tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
		switch msg := msg.(type) {
		case tea.WindowSizeMsg:
			sized = true
		case flowlist.RefreshedMsg:
			refreshed = true
		case breakpoint.EditedMsg:
			r.edited <- struct{}{}
		case tea.KeyMsg:
			select {
			case r.keys <- msg:
			default:
			}
		}
		if sized && refreshed && !told {
			close(listed)
			told = true
		}
		return msg
	})
	go func() { r.ran <- Run(ctx, m, pts, pts, watch) }()
	t.Cleanup(func() {
		cancel()
		<-r.ran
		pts.Close()
		<-drained
	})
	select {
	case <-listed:
	case err := <-r.ran:
		t.Fatalf("the program ended: %v", err)
	case <-ctx.Done():
		t.Fatal("the program did not start")
	}
	return r
}

// typeKeys types s into the terminal.
func (r *ptyRun) typeKeys(s string) {
	r.t.Helper()
	if _, err := r.ptm.WriteString(s); err != nil {
		r.t.Fatal(err)
	}
}

// press types the first key bound to action in scope.
func (r *ptyRun) press(scope keymap.Scope, a keymap.Action) {
	r.t.Helper()
	r.typeKeys(keymap.Default().Key(scope, a))
}

// waitEdited waits until an editor has come back.
func (r *ptyRun) waitEdited(what string) {
	r.t.Helper()
	select {
	case <-r.edited:
	case err := <-r.ran:
		r.ran <- err
		r.t.Fatalf("%s: the program ended: %v", what, err)
	case <-r.ctx.Done():
		r.t.Fatalf("%s: the editor did not come back", what)
	}
}

// nextKey waits for the next key the UI gets.
func (r *ptyRun) nextKey() tea.KeyMsg {
	r.t.Helper()
	select {
	case k := <-r.keys:
		return k
	case <-r.ctx.Done():
		r.t.Fatal("no key reached the UI")
	}
	return tea.KeyMsg{}
}

// quit quits with the key a user presses, and waits for the end.
func (r *ptyRun) quit() {
	r.t.Helper()
	r.press(keymap.ScopeGlobal, keymap.ActQuitNow)
	select {
	case err := <-r.ran:
		r.ran <- err
		must(r.t, err)
	case <-r.ctx.Done():
		r.t.Fatal("the program did not quit")
	}
}

// openDescriptors counts this process's open file descriptors.
func openDescriptors(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}
