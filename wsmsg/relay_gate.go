package wsmsg

import (
	"bufio"
	"io"
	"sync"
	"sync/atomic"
)

// gateSlack is how much the frame reader may still take once the gate
// closed (raw bytes and the decoded copies of the messages they end): a
// source that ends, or pings, behind a little more data is still noticed.
const gateSlack = 64 << 10

// gate holds the frame reader back while the relay holds more than its
// budget (see frames.overBudget): past gateSlack only control frames and
// the source's end (when nothing else waits before it) still pass, so
// memory stays bounded while a message is held.
type gate struct {
	closed atomic.Bool
	wake   chan struct{} // capacity 1: the gate opened
	slack  int           // taken since the gate closed; the reader's
	// onSet, when set (tests), is called by set with the relay's
	// buffered bytes each time the gate closes.
	onSet func(buffered int)
}

func newGate() *gate { return &gate{wake: make(chan struct{}, 1)} }

// set closes or opens the gate; on the relay's goroutine.
func (g *gate) set(closed bool, buffered int) {
	if g.closed.Swap(closed) == closed {
		return
	}
	if closed {
		if g.onSet != nil {
			g.onSet(buffered)
		}
		return
	}
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// took counts n bytes the reader took; on the reader's goroutine.
func (g *gate) took(n int) {
	if g.closed.Load() {
		g.slack += n
	}
}

// wait returns once the reader may read on: the gate is open, or the
// slack is not used up, or br holds nothing and the source has ended (the
// read that follows sees the end), or, with atHeader, the next frame is a
// control frame. It reports false once done is closed. br's buffer bounds
// what is read meanwhile. On the reader's goroutine.
func (g *gate) wait(br *bufio.Reader, atHeader bool, done <-chan struct{}) bool {
	for g.closed.Load() {
		if br.Buffered() == 0 {
			if _, err := br.Peek(1); err != nil {
				return true
			}
			continue
		}
		if g.slack < gateSlack {
			return true
		}
		if b, _ := br.Peek(1); atHeader && b[0]&0x08 != 0 {
			return true // opcodes 8 to 15 are control frames
		}
		select {
		case <-g.wake:
		case <-done:
			return false
		}
	}
	g.slack = 0
	return true
}

// readAhead reads the source on a goroutine of its own, up to
// readAheadMax bytes ahead of the frame reader, so that the source's end
// is noticed (ended is closed) while the frame reader waits at the gate
// with data before the end: the relay then releases its holds, which
// opens the gate.
type readAhead struct {
	mu    sync.Mutex
	buf   []byte // read, not yet taken
	err   error  // why the source ended, once it did
	ended chan struct{}
	more  chan struct{} // capacity 1: buf grew, or err was set
	room  chan struct{} // capacity 1: buf shrank
	// done ends a Read waiting for the source: the relay stopped, and
	// the frame reader returns at once (the fill goroutine may stay
	// blocked on the source until it is closed; it records nothing).
	done <-chan struct{}
}

// readAheadMax bounds what is read ahead of the frame reader.
const readAheadMax = 64 << 10

func newReadAhead(src io.Reader, done <-chan struct{}) *readAhead {
	ra := &readAhead{ended: make(chan struct{}), more: make(chan struct{}, 1), room: make(chan struct{}, 1), done: done}
	go ra.fill(src, done)
	return ra
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// fill reads src until it ends, or done is closed while buf is full.
func (ra *readAhead) fill(src io.Reader, done <-chan struct{}) {
	tmp := make([]byte, 16<<10)
	for {
		ra.mu.Lock()
		full := len(ra.buf) >= readAheadMax
		ra.mu.Unlock()
		if full {
			select {
			case <-ra.room:
				continue
			case <-done:
				ra.mu.Lock()
				ra.err = io.ErrClosedPipe
				ra.mu.Unlock()
				signal(ra.more)
				return
			}
		}
		k, err := src.Read(tmp)
		ra.mu.Lock()
		ra.buf = append(ra.buf, tmp[:k]...)
		ra.err = err
		ra.mu.Unlock()
		signal(ra.more)
		if err != nil {
			close(ra.ended)
			return
		}
	}
}

func (ra *readAhead) Read(p []byte) (int, error) {
	for {
		ra.mu.Lock()
		if len(ra.buf) > 0 {
			n := copy(p, ra.buf)
			ra.buf = ra.buf[:copy(ra.buf, ra.buf[n:])]
			ra.mu.Unlock()
			signal(ra.room)
			return n, nil
		}
		err := ra.err
		ra.mu.Unlock()
		if err != nil {
			return 0, err
		}
		select {
		case <-ra.more:
		case <-ra.done:
			return 0, io.ErrClosedPipe
		}
	}
}
