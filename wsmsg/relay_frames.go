package wsmsg

import (
	"context"
	"io"
	"sync"

	"github.com/siphonproxy/siphon/session"
)

// queued is a complete data message (or a close frame) waiting to be sent.
type queued struct {
	raw        []byte // its frames as received
	m          session.Message
	compressed bool
	undecoded  bool           // compressed, and m.Data is not what it decompresses to
	op         session.Opcode // of its first frame
	// close marks bytes sent in order after the messages before them, as
	// they are: a close frame, or bytes after a protocol error; msgs are
	// recorded as they are sent.
	close bool
	msgs  []session.Message
}

// frames is the state of a relay in frame mode; only runFrames uses it.
type frames struct {
	// The frame being read.
	op      session.Opcode
	fin     bool
	control bool
	remain  uint64
	ctl     []byte // a control frame's bytes so far

	cur       *queued   // the data message being read
	streaming bool      // cur is too large to hold: its bytes go on as they come
	queue     []*queued // complete, in order; the head is being decided
	deciding  bool
	// buffered counts the bytes held in cur and queue: raw, and the
	// decoded copy of each queued message (which a compressed message
	// multiplies). Past the budget the reader is held back (see gate).
	buffered int
	raw      bool // a protocol error: bytes go on as they come, unparsed
	desync   bool // the peer's inflate window no longer matches (see Relay)
	failed   bool // the destination failed, or cannot be written on consistently: stop
	// gone: nothing more is sent; what comes is recorded as not delivered.
	// Set once the destination failed, or its peer closed while messages
	// waited (see Relay.PeerClosed).
	gone       bool
	peerClosed bool
	release    func() // ends the holds: the conversation is closing
}

type decided struct {
	q *queued
	d Decision
}

// runFrames relays frame by frame (see Relay) until src ends.
func (r *Relay) runFrames(ctx context.Context, src io.Reader) {
	r.catching = true
	items := make(chan item, 16)
	done := make(chan struct{})
	var handoff sync.Mutex
	g := r.gate
	if g == nil {
		g = newGate()
	}
	ra := newReadAhead(src, done)
	reading := make(chan struct{})
	go func() {
		defer close(reading)
		r.readFrames(ra, items, done, &handoff, g)
	}()
	holdCtx, release := context.WithCancel(ctx)
	defer release()
	results := make(chan decided, 1)
	s := &frames{release: release}
	limit := r.tap.cfg.Limit
	ended := false
	peer, srcEnded := r.peer, ra.ended
	for !s.failed && !(ended && len(s.queue) == 0) {
		if s.peerClosed && !s.gone && s.deciding {
			// A message is held, and those behind it wait: none can be
			// delivered now.
			s.gone = true
			release()
		}
		if !s.deciding && len(s.queue) > 0 {
			r.next(holdCtx, s, results)
			continue
		}
		// Past the budget the reader waits (control frames and the
		// source's end still come) until the queue drains.
		g.set(s.overBudget(limit), s.buffered)
		in := items
		if ended {
			in = nil
		}
		select {
		case it := <-in:
			r.take(s, it, limit)
			if it.end {
				ended = true
				release()
				if r.cfg.SourceEnded != nil {
					r.cfg.SourceEnded()
				}
			}
			if s.raw && s.deciding {
				release() // bytes flow unparsed: what is held goes (dropped)
			}
		case res := <-results:
			s.deciding = false
			r.apply(s, res.q, res.d)
		case <-srcEnded:
			// Data may still wait before the end, held back by the
			// gate: what is held goes (dropped), as at the end.
			srcEnded = nil
			release()
		case <-peer:
			s.peerClosed, peer = true, nil
		case <-ctx.Done():
			release()
			ctx = context.Background() // once
		}
	}
	// The destination failed: what waits is recorded, not delivered.
	s.gone = true
	release()
	for len(s.queue) > 0 {
		if !s.deciding {
			r.next(holdCtx, s, results)
			continue
		}
		res := <-results // Decide returns promptly once released
		s.deciding = false
		r.apply(s, res.q, res.d)
	}
	r.stopFrames(items, done, &handoff)
	// The reader returns promptly once done is closed; what it records
	// (the message it was reading, when the relay failed) is recorded
	// before Run returns, not after the flow may have finished.
	<-reading
}

// overBudget reports whether the relay holds more than it may while a
// message waits: raw and decoded bytes are each bounded by about limit.
func (s *frames) overBudget(limit int) bool {
	return len(s.queue) > 0 && s.buffered > 2*limit
}

// size is what q counts in frames.buffered.
func (q *queued) size() int { return len(q.raw) + len(q.m.Data) }

// stopFrames stops the frame reader, recording the messages of what it
// read and the relay did not take as not delivered (it records the rest
// itself). Only a failed relay leaves any.
func (r *Relay) stopFrames(items <-chan item, done chan struct{}, handoff *sync.Mutex) {
	close(done)
	handoff.Lock() // a hand-over under way ends promptly: done is closed
	defer handoff.Unlock()
	for {
		select {
		case it := <-items:
			r.recordUndelivered(it.msgs...)
		default:
			return
		}
	}
}

// next starts deciding the head of the queue, or sends it when it needs
// no decision. A complete message is decided even after the source ended
// or broke the protocol: its holds are released (ctx), but rules apply.
func (r *Relay) next(ctx context.Context, s *frames, results chan<- decided) {
	q := s.queue[0]
	if q.close || s.gone {
		s.queue = s.queue[1:]
		s.buffered -= q.size()
		msgs := q.msgs
		if !q.close {
			msgs = append([]session.Message{q.m}, msgs...)
		}
		r.send(s, q.raw, !s.raw, msgs...)
		return
	}
	var d Decision
	switch {
	case q.undecoded:
		// What a person or a rule would see is not the message.
		d.Note = r.undecided(&q.m, "its compressed payload could not be decompressed whole")
	case r.cfg.Decide != nil:
		m := q.m
		d = r.cfg.Decide(ctx, &m)
	}
	if d.Wait == nil {
		r.apply(s, q, d)
		return
	}
	s.deciding = true
	go func() { results <- decided{q, d.Wait(ctx)} }()
}

// apply acts on the decision about the head of the queue.
func (r *Relay) apply(s *frames, q *queued, d Decision) {
	s.queue = s.queue[1:]
	s.buffered -= q.size()
	m := q.m
	m.Action, m.Note = d.Action, joinNotes(m.Note, d.Note)
	changes := q.compressed && r.tap.deflate != nil && r.tap.deflate.takeover
	var out []byte
	switch {
	case d.Drop:
		s.desync = s.desync || changes
	case d.Data != nil:
		out = AppendFrame(nil, m.Opcode, d.Data, r.mask)
		m.Original, m.Data, m.Size, m.Truncated = m.Data, d.Data, int64(len(d.Data)), false
		s.desync = s.desync || changes
	case s.desync && q.compressed && (m.Truncated || q.undecoded) && !s.gone:
		// Its decoded copy is cut short or wrong: it cannot be re-sent.
		m.Note = joinNotes(m.Note, unsendableNote)
		r.cfg.Record(m)
		s.failed = true
		return
	case s.desync && q.compressed:
		out = AppendFrame(nil, m.Opcode, m.Data, r.mask)
	default:
		out = q.raw
	}
	if d.Drop {
		r.cfg.Record(m)
		return
	}
	r.send(s, out, true, m)
}

// take handles the next item from the source.
func (r *Relay) take(s *frames, it item, limit int) {
	if s.raw {
		r.inOrder(s, it.raw, it.msgs)
		return
	}
	if it.bad || it.end {
		r.toRaw(s, it)
		return
	}
	if it.hdr {
		s.op, s.fin, s.remain, s.control = it.op, it.fin, it.length-uint64(it.payload), it.op >= session.OpClose
		if s.control {
			s.ctl = append(s.ctl[:0], it.raw...)
		} else if s.cur == nil {
			s.cur = &queued{compressed: it.rsv1 && r.tap.deflate != nil, op: it.op}
		}
	} else {
		s.remain -= uint64(len(it.raw))
		if s.control {
			s.ctl = append(s.ctl, it.raw...)
		}
	}
	if !s.control {
		r.takeData(s, it.raw, limit)
	}
	if s.remain > 0 {
		return
	}
	switch {
	case s.control:
		r.endControl(s, it.msgs)
	case s.fin:
		s.cur.undecoded = it.undecoded
		r.endMessage(s, it.msgs)
	default:
		r.record(it.msgs) // nothing: a message ends with its last frame
	}
}

// takeData holds (or, streaming, sends) the bytes of a data frame.
func (r *Relay) takeData(s *frames, raw []byte, limit int) {
	if s.streaming {
		r.send(s, raw, false) // once gone, nothing more of it is
		return
	}
	if s.cur.raw == nil {
		s.cur.raw = raw // the item's own bytes: most messages are one item
	} else {
		s.cur.raw = append(s.cur.raw, raw...)
	}
	s.buffered += len(raw)
	if s.desync && s.cur.compressed && len(s.cur.raw) > limit+limit/8+64<<10 {
		r.unsendable(s)
		return
	}
	if len(s.cur.raw) <= limit || len(s.queue) > 0 || (s.desync && s.cur.compressed) {
		return
	}
	// Too large to hold whole: it goes on as it comes, undecided.
	s.streaming = true
	s.buffered -= len(s.cur.raw)
	r.send(s, s.cur.raw, false)
	s.cur.raw = nil
}

// unsendableNote notes a compressed message that cannot be re-sent.
const unsendableNote = "not sent: after an earlier change, compressed messages are re-sent uncompressed, and this one could not be decompressed whole (larger than the capture limit, or bad data)"

// unsendable stops the relay at a compressed message that, after an
// earlier change, could only be re-sent uncompressed, and is too large to
// be decompressed whole (its compressed bytes alone pass the limit, with
// room for deflate's and framing's overhead): it would end "not sent"
// anyway, so it is not read to its end.
func (r *Relay) unsendable(s *frames) {
	q := s.cur
	s.buffered -= len(q.raw)
	s.cur = nil
	r.cfg.Record(session.Message{Dir: r.tap.cfg.Dir, Time: r.tap.cfg.Now(), Opcode: q.op, Size: int64(len(q.raw)),
		Truncated: true, Action: session.ActionDropped, Note: unsendableNote + "; the rest of this direction is not relayed"})
	s.failed, s.gone = true, true
}

// endControl sends a complete control frame: at once, or a close frame
// after the messages waiting before it, which are still decided as they
// would have been: data and close keep their order within a direction.
func (r *Relay) endControl(s *frames, msgs []session.Message) {
	raw := append([]byte(nil), s.ctl...)
	if s.op == session.OpClose {
		r.inOrder(s, raw, msgs)
		return
	}
	r.send(s, raw, !s.streaming, msgs...)
}

// endMessage queues the data message just completed for its decision, or
// records it when it went on as it came.
func (r *Relay) endMessage(s *frames, msgs []session.Message) {
	q := s.cur
	s.cur = nil
	for _, m := range msgs {
		if m.Opcode == session.OpText || m.Opcode == session.OpBinary {
			q.m = m
		} else {
			r.cfg.Record(m)
		}
	}
	if s.streaming {
		s.streaming = false
		q.m.Note = joinNotes(q.m.Note, r.undecided(&q.m, "larger than the capture limit"))
		// Not delivered whole if anything of it was not (gone is sticky).
		r.send(s, nil, true, q.m)
		return
	}
	s.buffered += len(q.m.Data)
	s.queue = append(s.queue, q)
}

// toRaw handles a protocol error, or the source's end: the bytes of this
// direction go on unparsed, as the tap's do, after the messages before
// them. What was being read is sent as it came.
func (r *Relay) toRaw(s *frames, it item) {
	s.raw = true
	var raw []byte
	if s.cur != nil && !s.streaming {
		raw = append(raw, s.cur.raw...)
		s.buffered -= len(s.cur.raw)
	}
	if s.control && s.remain > 0 {
		raw = append(raw, s.ctl...) // the control frame read so far
	}
	raw = append(raw, it.raw...)
	s.cur = nil
	r.inOrder(s, raw, it.msgs)
}

// inOrder sends raw as it is after the messages waiting before it, and
// records msgs then.
func (r *Relay) inOrder(s *frames, raw []byte, msgs []session.Message) {
	if len(s.queue) == 0 {
		r.send(s, raw, !s.raw && !s.streaming, msgs...)
		return
	}
	s.queue = append(s.queue, &queued{raw: raw, close: true, msgs: msgs})
	s.buffered += len(raw)
}
