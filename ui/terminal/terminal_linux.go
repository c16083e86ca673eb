package terminal

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/charmbracelet/x/term"
	"golang.org/x/sys/unix"
)

// Terminal is the keyboard side of the terminal the UI runs in, given to
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
// It is built for Linux only: it waits for keys with poll(2), which macOS
// does not support on terminals (POLLNVAL for /dev/tty; cancelreader uses
// select there for that reason). Elsewhere Bubble Tea reads its own input
// (terminal_other.go).
//
// Terminal is safe for concurrent use.
type Terminal struct {
	f    *os.File
	own  bool // f was opened here and Close closes it
	fd   int
	wake [2]int // a pipe: a byte written to wake[1] wakes the reads waiting
	// poll waits for descriptors as unix.Poll does; tests replace it.
	poll func(fds []unix.PollFd, timeout int) (int, error)
	// waitLimit bounds how long resume and Close wait for reads to end:
	// resume runs on Bubble Tea's event loop, Close as siphon exits, and a
	// read stuck in read(2) must stop neither.
	waitLimit time.Duration

	mu       sync.Mutex
	reads    int           // reads in progress
	idle     chan struct{} // closed when reads drops to zero; nil while no read runs
	paused   bool          // reads end at once, until resume
	closed   bool
	pipeDone bool // the wake pipe is closed
}

// Open reads keys from in when it is a terminal, otherwise from
// the process's controlling terminal (/dev/tty), as Bubble Tea does when
// standard input is redirected.
func Open(in *os.File) (*Terminal, error) {
	t := &Terminal{f: in, poll: unix.Poll, waitLimit: time.Second}
	if in == nil || !term.IsTerminal(in.Fd()) {
		f, err := os.Open("/dev/tty")
		if err != nil {
			return nil, fmt.Errorf("open the terminal: %w", err)
		}
		t.f, t.own = f, true
	}
	t.fd = int(t.f.Fd()) // also puts f in blocking mode, which raw mode and the editor expect
	if err := unix.Pipe2(t.wake[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		// Close-on-exec: the editor inherits the terminal, not this pipe.
		// Non-blocking: a full pipe already holds a wake-up.
		if t.own {
			t.f.Close()
		}
		return nil, fmt.Errorf("read the terminal: %w", err)
	}
	return t, nil
}

// Read waits for keys, or for pause or Close, which end it with io.EOF.
func (t *Terminal) Read(p []byte) (int, error) {
	t.mu.Lock()
	if t.closed || t.paused {
		t.mu.Unlock()
		return 0, io.EOF
	}
	if t.reads == 0 {
		t.idle = make(chan struct{})
	}
	t.reads++
	t.mu.Unlock()
	defer t.readEnded()
	fds := []unix.PollFd{{Fd: int32(t.fd), Events: unix.POLLIN}, {Fd: int32(t.wake[0]), Events: unix.POLLIN}}
	for {
		fds[0].Revents, fds[1].Revents = 0, 0
		if _, err := t.poll(fds, -1); err != nil {
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
		if fds[0].Revents&unix.POLLNVAL != 0 {
			// A read now would block where pause cannot end it.
			return 0, errors.New("wait for keys: the terminal cannot be polled")
		}
		if fds[0].Revents != 0 {
			return t.f.Read(p)
		}
	}
}

// readEnded counts a read out, and closes the wake pipe if Close gave up
// waiting for it.
func (t *Terminal) readEnded() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.reads--; t.reads > 0 {
		return
	}
	close(t.idle)
	t.idle = nil
	if t.closed {
		t.closePipe()
	}
}

// drainWake empties the wake pipe (its reading end does not block).
func (t *Terminal) drainWake() {
	var b [16]byte
	for {
		if n, _ := unix.Read(t.wake[0], b[:]); n <= 0 {
			return
		}
	}
}

// wakeReads wakes the reads waiting for keys; t.mu is held, so that the
// pipe stays open meanwhile.
func (t *Terminal) wakeReads() {
	if !t.pipeDone {
		unix.Write(t.wake[1], []byte{0})
	}
}

// waitReads waits until no read is in progress, or waitLimit has passed;
// it says which.
func (t *Terminal) waitReads() bool {
	t.mu.Lock()
	idle := t.idle
	t.mu.Unlock()
	if idle == nil {
		return true
	}
	limit := time.NewTimer(t.waitLimit)
	defer limit.Stop()
	select {
	case <-idle:
		return true
	case <-limit.C:
		return false
	}
}

// Pause ends the read in progress, and every read until resume: Bubble
// Tea's read loop ends before it hands the terminal to the editor, rather
// than leaving a read behind that would take the editor's keys.
func (t *Terminal) Pause() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.paused = true
	t.wakeReads()
}

// Resume lets reads wait for keys again, once the reads that pause ended
// have returned; it runs before Bubble Tea starts its next read loop, on
// Bubble Tea's event loop, so it waits at most waitLimit: a read that has
// not returned by then may take one key meant for the next read loop.
func (t *Terminal) Resume() {
	t.waitReads()
	t.mu.Lock()
	t.paused = false
	t.mu.Unlock()
}

// Write writes to the terminal; Bubble Tea never does, but its notion of a
// terminal file is a ReadWriteCloser.
func (t *Terminal) Write(p []byte) (int, error) { return t.f.Write(p) }

// Fd is the terminal's descriptor, through which Bubble Tea sets raw mode.
func (t *Terminal) Fd() uintptr { return uintptr(t.fd) }

// File is the terminal itself, for the editor's standard input.
func (t *Terminal) File() *os.File { return t.f }

// Close ends the read in progress and waits for it (at most waitLimit),
// then releases the pipe (and the terminal if Open opened it). A
// read that has not returned by then releases the pipe when it does; the
// terminal, in blocking mode, is closed by the os package once that read
// returns. Reads after Close return io.EOF.
func (t *Terminal) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	t.wakeReads()
	t.mu.Unlock()
	t.waitReads()
	t.mu.Lock()
	if t.reads == 0 {
		t.closePipe()
	}
	t.mu.Unlock()
	if t.own {
		return t.f.Close()
	}
	return nil
}

// closePipe closes the wake pipe once; t.mu is held.
func (t *Terminal) closePipe() {
	if t.pipeDone {
		return
	}
	t.pipeDone = true
	unix.Close(t.wake[0])
	unix.Close(t.wake[1])
}
