package terminal

import (
	"io"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/ui/terminal/ptytest"
	"golang.org/x/sys/unix"
)

// readResult is what one terminal.Read returned.
type readResult struct {
	text string
	err  error
}

// startRead reads t in a new goroutine; the result arrives on the channel.
func startRead(t *Terminal) <-chan readResult {
	got := make(chan readResult, 1)
	go func() {
		buf := make([]byte, 64)
		n, err := t.Read(buf)
		got <- readResult{string(buf[:n]), err}
	}()
	return got
}

// A read stuck in read(2), where pause cannot end it (as on macOS, whose
// poll says a terminal is ready when it cannot poll it), holds neither
// resume, which runs on Bubble Tea's event loop, nor Close for longer than
// waitLimit; the wake pipe is closed once that read returns.
func TestTerminalStuckReadHoldsNeitherResumeNorClose(t *testing.T) {
	ptm, pts := ptytest.Open(t, 80, 24)
	term, err := Open(pts)
	must(t, err)
	polled := make(chan struct{}, 1)
	term.poll = func(fds []unix.PollFd, _ int) (int, error) {
		fds[0].Revents = unix.POLLIN // ready, though nothing was typed: the read blocks
		polled <- struct{}{}
		return 1, nil
	}
	term.waitLimit = time.Millisecond
	read := startRead(term)
	limit := time.After(time.Minute)
	select {
	case <-polled:
	case <-limit:
		t.Fatal("the read did not start")
	}
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		term.Pause()
		term.Resume()
		term.Close()
	}()
	select {
	case <-ended:
	case <-limit:
		t.Fatal("resume or Close is still waiting for a read stuck in read(2)")
	}
	term.mu.Lock()
	early := term.pipeDone
	term.mu.Unlock()
	if early {
		t.Error("Close closed the wake pipe while a read could still use it")
	}
	if _, err := ptm.WriteString("k\n"); err != nil { // the terminal is in line mode
		t.Fatal(err)
	}
	select {
	case got := <-read:
		if got.err != nil || got.text != "k\n" {
			t.Errorf("the stuck read returned %q, %v; want %q", got.text, got.err, "k\n")
		}
	case <-limit:
		t.Fatal("the stuck read did not return after a key")
	}
	term.mu.Lock()
	done := term.pipeDone
	term.mu.Unlock()
	if !done {
		t.Error("the wake pipe is still open after the last read returned")
	}
}

// A terminal that poll(2) cannot watch (POLLNVAL, as macOS says of
// /dev/tty) ends the read with an error rather than a read(2) that pause
// could not end.
func TestTerminalUnpollableEndsTheRead(t *testing.T) {
	_, pts := ptytest.Open(t, 80, 24)
	term, err := Open(pts)
	must(t, err)
	t.Cleanup(func() { term.Close() })
	term.poll = func(fds []unix.PollFd, _ int) (int, error) {
		fds[0].Revents = unix.POLLNVAL
		return 1, nil
	}
	select {
	case got := <-startRead(term):
		if got.err == nil || got.err == io.EOF {
			t.Errorf("read of an unpollable terminal: %q, %v; want an error", got.text, got.err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the read of an unpollable terminal blocks")
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
