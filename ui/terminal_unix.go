//go:build unix

package ui

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/charmbracelet/x/term"
	"golang.org/x/sys/unix"
)

// terminal is the keyboard side of the terminal the UI runs in, given to
// Bubble Tea as its input.
//
// It exists because of how Bubble Tea v1.3.10 reads a terminal. For an
// input that is a cancelreader.File (an *os.File), it makes a cancelreader
// holding an epoll descriptor and a pipe; ExecProcess (the $EDITOR round
// trip) cancels that reader but never closes it, and makes a new one: one
// epoll descriptor leaked per edit, and two pipe descriptors until the
// garbage collector finds them. terminal has Fd, through which Bubble Tea
// sets raw mode, but no Name, so it is not a cancelreader.File: Bubble Tea
// reads it through cancelreader's plain reader, which holds no descriptor
// but cannot interrupt a read in progress. So terminal interrupts its own
// reads: between pause and resume (around the editor), reads end at once
// with io.EOF, which Bubble Tea takes as the quiet end of its read loop;
// the loop it starts after the editor reads on. One pipe, which wakes a
// read waiting for keys, serves the whole run.
//
// terminal is safe for concurrent use.
type terminal struct {
	f    *os.File
	own  bool // f was opened here and Close closes it
	fd   int
	wake [2]int // a pipe: a byte written to wake[1] wakes the reads waiting

	mu     sync.Mutex
	idle   sync.Cond // signalled when reads drops to zero
	reads  int       // reads in progress
	paused bool      // reads end at once, until resume
	closed bool
}

// openTerminal reads keys from in when it is a terminal, otherwise from
// the process's controlling terminal (/dev/tty), as Bubble Tea does when
// standard input is redirected.
func openTerminal(in *os.File) (*terminal, error) {
	t := &terminal{f: in}
	if in == nil || !term.IsTerminal(in.Fd()) {
		f, err := os.Open("/dev/tty")
		if err != nil {
			return nil, fmt.Errorf("open the terminal: %w", err)
		}
		t.f, t.own = f, true
	}
	t.fd = int(t.f.Fd()) // also puts f in blocking mode, which raw mode and the editor expect
	if err := unix.Pipe(t.wake[:]); err != nil {
		if t.own {
			t.f.Close()
		}
		return nil, fmt.Errorf("read the terminal: %w", err)
	}
	for _, fd := range t.wake {
		unix.CloseOnExec(fd) // the editor inherits the terminal, not this pipe
	}
	if err := unix.SetNonblock(t.wake[0], true); err != nil {
		t.closePipe()
		return nil, fmt.Errorf("read the terminal: %w", err)
	}
	t.idle.L = &t.mu
	return t, nil
}

// Read waits for keys, or for pause or Close, which end it with io.EOF.
func (t *terminal) Read(p []byte) (int, error) {
	t.mu.Lock()
	if t.closed || t.paused {
		t.mu.Unlock()
		return 0, io.EOF
	}
	t.reads++
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		if t.reads--; t.reads == 0 {
			t.idle.Broadcast()
		}
		t.mu.Unlock()
	}()
	fds := []unix.PollFd{{Fd: int32(t.fd), Events: unix.POLLIN}, {Fd: int32(t.wake[0]), Events: unix.POLLIN}}
	for {
		if _, err := unix.Poll(fds, -1); err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return 0, fmt.Errorf("wait for keys: %w", err)
		}
		if fds[1].Revents != 0 {
			t.drainWake()
			t.mu.Lock()
			stop := t.closed || t.paused
			t.mu.Unlock()
			if stop {
				return 0, io.EOF
			}
			// A wake-up meant for a read that has ended since.
		}
		if fds[0].Revents != 0 {
			return t.f.Read(p)
		}
	}
}

// drainWake empties the wake pipe (its reading end does not block).
func (t *terminal) drainWake() {
	var b [16]byte
	for {
		if n, _ := unix.Read(t.wake[0], b[:]); n <= 0 {
			return
		}
	}
}

// pause ends the read in progress, and every read until resume: Bubble
// Tea's read loop ends before it hands the terminal to the editor, rather
// than leaving a read behind that would take the editor's keys.
func (t *terminal) pause() {
	t.mu.Lock()
	t.paused = true
	t.mu.Unlock()
	unix.Write(t.wake[1], []byte{0})
}

// resume lets reads wait for keys again, once the reads that pause ended
// have returned; it runs before Bubble Tea starts its next read loop.
func (t *terminal) resume() {
	t.mu.Lock()
	for t.reads > 0 {
		t.idle.Wait()
	}
	t.paused = false
	t.mu.Unlock()
}

// Write writes to the terminal; Bubble Tea never does, but its notion of a
// terminal file is a ReadWriteCloser.
func (t *terminal) Write(p []byte) (int, error) { return t.f.Write(p) }

// Fd is the terminal's descriptor, through which Bubble Tea sets raw mode.
func (t *terminal) Fd() uintptr { return uintptr(t.fd) }

// file is the terminal itself, for the editor's standard input.
func (t *terminal) file() *os.File { return t.f }

// Close ends the read in progress, waits for it, and releases the pipe
// (and the terminal if openTerminal opened it). Reads after Close return
// io.EOF.
func (t *terminal) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil
	}
	t.closed = true
	unix.Write(t.wake[1], []byte{0}) // wakes the read in progress
	for t.reads > 0 {
		t.idle.Wait()
	}
	t.closePipe()
	if t.own {
		return t.f.Close()
	}
	return nil
}

func (t *terminal) closePipe() {
	unix.Close(t.wake[0])
	unix.Close(t.wake[1])
}
