package wsmsg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/siphonproxy/siphon/session"
)

// Decision is what happens to one message a Relay holds. The zero value
// forwards it unchanged.
type Decision struct {
	Drop   bool   // the peer never gets the message
	Data   []byte // when not nil, the payload sent instead
	Action string // recorded as session.Message.Action
	Note   string // added to the message's note
	// Wait, when set, holds the message: the relay calls it on a
	// goroutine of its own (control frames keep flowing meanwhile) and
	// acts on what it returns. It must return promptly once ctx ends,
	// which happens when this direction's source ends, its destination's
	// peer closes its side while messages wait (see Relay.PeerClosed), or
	// the relay's ctx ends. A close frame from the source does not end it:
	// the close waits behind the held message. Meanwhile the relay reads
	// on until what waits (raw and decoded) passes twice the tap's limit;
	// then it reads only control frames, and notices the source's end
	// unless more than a little data (64 KiB) was sent before it.
	Wait func(ctx context.Context) Decision
}

// RelayConfig configures a Relay.
type RelayConfig struct {
	// Wants reports whether messages must be decided from now on; nil
	// means never. It is asked for every chunk the relay copies, so it
	// must be cheap.
	Wants func() bool
	// Decide decides about a text or binary message, whole and decoded,
	// before any of it is sent on. It must not block: a message to hold
	// is a Decision with Wait set.
	Decide func(ctx context.Context, m *session.Message) Decision
	// Record receives every message, with what was done to it; nil means
	// the tap's Emit.
	Record func(session.Message)
	// Count, when set, counts the bytes read from the source.
	Count *atomic.Int64
	// SourceEnded, when set, is called once the source has ended (its
	// peer closed its side, or reading failed), on the relay's goroutine.
	// A proxy tells the other direction's relay (see PeerClosed).
	SourceEnded func()
	// Undecided, when set, returns the note for a text or binary message
	// that went on without a decision because of why ("larger than the
	// capture limit"): what rules or breakpoints did not do to it, or ""
	// when none would have acted.
	Undecided func(m *session.Message, why string) string
}

// Relay relays one direction of a WebSocket connection. While no message
// must be decided it copies bytes as they come, only tapping them. Once
// Wants says yes, or a message is injected, it switches at the next
// message boundary to relaying frame by frame, and stays so for the rest
// of the connection: each text and binary message is then held whole (up
// to the tap's limit) until Decide has decided, while control frames
// (ping, pong, and those inside a fragmented message) go on at once and a
// close frame follows the messages before it.
//
// A message is recorded once its fate is known: in frame mode when it is
// sent on, dropped, or found undeliverable (the destination failed, or its
// peer closed while the message waited: Action session.ActionDropped, noted
// "not delivered"); while bytes are copied, once the chunk that ends it was
// written.
//
// A changed or injected message is sent as one uncompressed frame, masked
// when it goes to the server. With permessage-deflate context takeover a
// peer inflates each compressed message with the window of the ones
// before; once a compressed message was changed or dropped that window no
// longer matches, so every later compressed message of the direction is
// sent uncompressed, re-framed from its decoded copy.
type Relay struct {
	tap  *Tap
	src  io.Reader
	dst  io.Writer
	cfg  RelayConfig
	mask bool // frames siphon writes go to the server

	wmu      sync.Mutex // serialises writes to dst
	boundary bool       // dst is between data messages
	pending  [][]byte   // injected frames waiting for a boundary
	// queuedMsgs are the messages of pending, recorded once sent.
	queuedMsgs []session.Message
	ended      bool
	closeSent  bool        // a close frame went to dst: nothing may follow it
	wake       atomic.Bool // an injection waits: switch to frames

	peer     chan struct{} // closed by PeerClosed
	peerOnce sync.Once

	// In frame mode the reader goroutine owns the tap: what it emits goes
	// to caught, handed over with the bytes that made it.
	catching bool
	caught   []session.Message

	gate *gate // set by tests before Run to watch the budget; nil: a new one
}

// NewRelay returns a relay of src to dst through tap, whose messages it
// records. tap must be new, and is the relay's from now on.
func NewRelay(tap *Tap, src io.Reader, dst io.Writer, cfg RelayConfig) *Relay {
	if cfg.Record == nil {
		cfg.Record = tap.cfg.Emit
	}
	if cfg.Record == nil {
		cfg.Record = func(session.Message) {}
	}
	r := &Relay{tap: tap, src: src, dst: dst, cfg: cfg, mask: tap.client, boundary: true, peer: make(chan struct{})}
	tap.cfg.Emit = r.emit
	return r
}

func (r *Relay) emit(m session.Message) {
	if r.catching {
		r.caught = append(r.caught, m)
		return
	}
	r.cfg.Record(m)
}

// PeerClosed tells the relay that the peer it sends to has closed its side
// of the connection (the other direction's source ended). Once a message
// is held, then or later, it is released and neither it nor anything after
// it is sent: each is recorded as not delivered. Until then messages keep
// going on as they come (a peer that only half-closed still reads them).
// Safe for concurrent use; calling it again does nothing.
func (r *Relay) PeerClosed() { r.peerOnce.Do(func() { close(r.peer) }) }

// Tap returns the relay's tap (for its counts).
func (r *Relay) Tap() *Tap { return r.tap }

// ErrEnded is returned by Inject once the relay has stopped.
var ErrEnded = errors.New("wsmsg: the connection is closed")

// ErrClosing is returned by Inject once a close frame was sent in the
// relay's direction: no data frame may follow it (RFC 6455 section 5.5.1).
var ErrClosing = errors.New("wsmsg: a close frame was already sent in this direction")

// notSentNote is added to an injected message discarded unsent.
const notSentNote = "not sent: the connection ended first"

// Inject sends a text or binary message of siphon's own between data
// messages: at once when the direction is between messages, else as soon
// as the message being relayed ends. It is recorded with Action
// session.ActionInjected when sent, or noted "not sent" when the
// connection ends first. An error says why it cannot be sent (ErrEnded,
// ErrClosing once a close frame went this way); nil means it was sent or
// queued.
func (r *Relay) Inject(op session.Opcode, data []byte) error {
	switch {
	case op != session.OpText && op != session.OpBinary:
		return fmt.Errorf("inject %s message: only text and binary messages can be injected", op)
	case op == session.OpText && !utf8.Valid(data):
		return errors.New("inject text message: it is not valid UTF-8 (send it as binary)")
	}
	frame := AppendFrame(nil, op, data, r.mask)
	m := session.Message{Dir: r.tap.cfg.Dir, Opcode: op, Data: bytes.Clone(data), Size: int64(len(data)), Action: session.ActionInjected}
	r.wmu.Lock()
	defer r.wmu.Unlock()
	switch {
	case r.ended:
		return fmt.Errorf("inject %s message: %w", op, ErrEnded)
	case r.closeSent:
		return fmt.Errorf("inject %s message: %w", op, ErrClosing)
	case r.tap.Err() != "":
		return fmt.Errorf("inject %s message: this direction had a protocol error (%s), so siphon no longer knows where its messages begin", op, r.tap.Err())
	case r.boundary && len(r.pending) == 0:
		m.Time = r.tap.cfg.Now()
		if _, err := r.dst.Write(frame); err != nil {
			return fmt.Errorf("inject %s message: %w", op, err)
		}
		r.cfg.Record(m)
		return nil
	}
	r.pending = append(r.pending, frame)
	r.queuedMsgs = append(r.queuedMsgs, m)
	r.wake.Store(true)
	return nil
}

// flushLocked sends the injected frames waiting for a boundary; r.wmu is
// held and dst is at a boundary.
func (r *Relay) flushLocked() error {
	for len(r.pending) > 0 {
		frame, m := r.pending[0], r.queuedMsgs[0]
		r.pending, r.queuedMsgs = r.pending[1:], r.queuedMsgs[1:]
		m.Time = r.tap.cfg.Now()
		if _, err := r.dst.Write(frame); err != nil {
			r.cfg.Record(notDelivered(m))
			return err
		}
		r.cfg.Record(m)
	}
	r.wake.Store(false)
	return nil
}

// write records msgs, the messages b ends, and sends b on; atBoundary says
// whether dst is between data messages after it. Injected frames waiting
// for a boundary follow. The messages are recorded before their bytes go,
// so that a peer's answer to them (an echo) is always recorded after
// them; a write that fails is recorded after them as a note (see
// failedWrite).
func (r *Relay) write(b []byte, atBoundary bool, msgs ...session.Message) error {
	r.wmu.Lock()
	defer r.wmu.Unlock()
	r.record(msgs)
	if len(b) > 0 {
		if _, err := r.dst.Write(b); err != nil {
			r.failedWrite(len(msgs))
			return err
		}
	}
	r.boundary = atBoundary
	for _, m := range msgs {
		r.closeSent = r.closeSent || m.Opcode == session.OpClose
	}
	if r.closeSent {
		r.discardPendingLocked()
		return nil
	}
	if atBoundary && len(r.pending) > 0 {
		return r.flushLocked()
	}
	return nil
}

// discardPendingLocked records the injected messages still waiting as not
// sent and forgets them; r.wmu is held.
func (r *Relay) discardPendingLocked() {
	for _, m := range r.queuedMsgs {
		m.Note = joinNotes(m.Note, notSentNote)
		r.cfg.Record(m)
	}
	r.pending, r.queuedMsgs = nil, nil
	r.wake.Store(false)
}

// Run relays until the source ends or the destination fails, then closes
// the tap. ctx ending releases held messages (dropped).
func (r *Relay) Run(ctx context.Context) {
	framed := false
	defer func() {
		if !framed { // in frame mode the reader closes it
			r.tap.Close()
			r.record(r.caught) // what Close emitted: nothing more is written
			r.catching, r.caught = false, nil
		}
		r.wmu.Lock()
		r.ended = true
		r.discardPendingLocked()
		r.wmu.Unlock()
	}()
	// What the tap emits is recorded once the bytes that end it are
	// written (see copied).
	r.catching = true
	buf := make([]byte, 32<<10)
	for {
		k, err := r.src.Read(buf)
		if k > 0 {
			p := buf[:k]
			if r.wake.Load() || (r.cfg.Wants != nil && r.tap.Err() == "" && r.cfg.Wants()) {
				used := r.tap.write(p, true)
				if r.tap.atBoundary() {
					r.count(used)
					if !r.copied(p[:used], true) {
						return
					}
					rest := bytes.Clone(p[used:])
					framed = true
					r.runFrames(ctx, io.MultiReader(bytes.NewReader(rest), r.src))
					return
				}
				r.tap.write(p[used:], false)
			} else {
				r.tap.write(p, false)
			}
			r.count(k)
			if !r.copied(p, r.tap.atBoundary()) {
				return
			}
		}
		if err != nil {
			if r.cfg.SourceEnded != nil {
				r.cfg.SourceEnded()
			}
			return
		}
	}
}

// copied writes p, copied from the source, and records the messages it
// ended: as not delivered when the write failed. It reports whether the
// write succeeded.
func (r *Relay) copied(p []byte, atBoundary bool) bool {
	msgs := r.caught
	err := r.write(p, atBoundary, msgs...)
	r.caught = msgs[:0] // recorded by value: the array is free again
	return err == nil
}

func (r *Relay) count(n int) {
	if r.cfg.Count != nil && n > 0 {
		r.cfg.Count.Add(int64(n))
	}
}
