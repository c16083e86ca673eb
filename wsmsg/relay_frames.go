package wsmsg

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"

	"github.com/siphonproxy/siphon/session"
)

// item is what the frame reader hands the relay: a frame's header, a
// chunk of its payload, or the end of the source.
type item struct {
	hdr    bool // raw is a frame header
	op     session.Opcode
	fin    bool
	rsv1   bool
	length uint64 // the frame's payload length, with hdr
	raw    []byte
	end    bool // the source ended (after raw, if any)
}

// readFrames splits src into items until it ends or done is closed. It
// only finds where frames begin and end; the tap checks them.
func readFrames(src io.Reader, count func(int), out chan<- item, done <-chan struct{}) {
	br := bufio.NewReaderSize(src, 32<<10)
	send := func(it item) bool {
		select {
		case out <- it:
			return true
		case <-done:
			return false
		}
	}
	var hdr [14]byte
	for {
		n, err := io.ReadFull(br, hdr[:2])
		if err == nil {
			need := headerLen(hdr[1])
			var k int
			k, err = io.ReadFull(br, hdr[2:need])
			n += k
		}
		count(n)
		if err != nil {
			send(item{raw: append([]byte(nil), hdr[:n]...), end: true})
			return
		}
		it := item{hdr: true, op: session.Opcode(hdr[0] & 0x0f), fin: hdr[0]&0x80 != 0, rsv1: hdr[0]&0x40 != 0,
			raw: append([]byte(nil), hdr[:n]...)}
		switch rest := hdr[2:n]; hdr[1] & 0x7f {
		case 126:
			it.length = uint64(binary.BigEndian.Uint16(rest))
		case 127:
			it.length = binary.BigEndian.Uint64(rest)
		default:
			it.length = uint64(hdr[1] & 0x7f)
		}
		if !send(it) {
			return
		}
		for remain := it.length; remain > 0; {
			buf := make([]byte, min(remain, 32<<10))
			k, err := br.Read(buf)
			count(k)
			remain -= uint64(k)
			if err != nil {
				send(item{raw: buf[:k], end: true})
				return
			}
			if !send(item{raw: buf[:k]}) {
				return
			}
		}
	}
}

// queued is a complete data message (or a close frame) waiting to be sent.
type queued struct {
	raw        []byte // its frames as received
	m          session.Message
	compressed bool
	close      bool // a close frame, sent in order after the messages before it
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
	buffered  int    // bytes held in cur and queue
	raw       bool   // a protocol error: bytes go on as they come, unparsed
	desync    bool   // the peer's inflate window no longer matches (see Relay)
	failed    bool   // the destination failed
	release   func() // ends the holds: the conversation is closing
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
	defer close(done)
	go readFrames(src, r.count, items, done)
	holdCtx, release := context.WithCancel(ctx)
	defer release()
	results := make(chan decided, 1)
	s := &frames{release: release}
	limit := r.tap.cfg.Limit
	ended := false
	for !s.failed && !(ended && len(s.queue) == 0) {
		if !s.deciding && len(s.queue) > 0 {
			r.next(holdCtx, s, results)
			continue
		}
		in := items
		if ended || (s.buffered > limit && len(s.queue) > 0) {
			in = nil // hold back the source until the queue drains
		}
		select {
		case it := <-in:
			r.take(s, it, limit)
			if it.end {
				ended = true
				release()
			}
			if s.raw && s.deciding {
				release() // bytes flow unparsed: what is held goes (dropped)
			}
		case res := <-results:
			s.deciding = false
			r.apply(s, res.q, res.d)
		case <-ctx.Done():
			release()
			ctx = context.Background() // once
		}
	}
	if s.deciding {
		release()
		<-results // Decide returns promptly once released
	}
}

// next starts deciding the head of the queue, or sends it when it needs
// no decision.
func (r *Relay) next(ctx context.Context, s *frames, results chan<- decided) {
	q := s.queue[0]
	if q.close || s.raw {
		s.queue = s.queue[1:]
		s.buffered -= len(q.raw)
		if s.raw && !q.close {
			r.cfg.Record(q.m)
		}
		s.failed = r.write(q.raw, true) != nil
		return
	}
	if r.cfg.Decide == nil {
		s.deciding = true
		results <- decided{q, Decision{}}
		return
	}
	s.deciding = true
	m := q.m
	go func() { results <- decided{q, r.cfg.Decide(ctx, &m)} }()
}

// apply acts on the decision about the head of the queue.
func (r *Relay) apply(s *frames, q *queued, d Decision) {
	s.queue = s.queue[1:]
	s.buffered -= len(q.raw)
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
	case s.desync && q.compressed && m.Truncated:
		// Its decoded copy is cut short: it cannot be re-sent whole.
		m.Note = joinNotes(m.Note, "not sent: after an earlier change, compressed messages are re-sent uncompressed, and this one is larger than the capture limit")
		r.cfg.Record(m)
		s.failed = true
		return
	case s.desync && q.compressed:
		out = AppendFrame(nil, m.Opcode, m.Data, r.mask)
	default:
		out = q.raw
	}
	r.cfg.Record(m)
	if out != nil {
		s.failed = r.write(out, true) != nil
	}
}

// take handles the next item from the source.
func (r *Relay) take(s *frames, it item, limit int) {
	if s.raw {
		r.tap.write(it.raw, false)
		r.recordCaught()
		if len(s.queue) == 0 {
			s.failed = r.write(it.raw, false) != nil
		} else {
			s.queue = append(s.queue, &queued{raw: it.raw, close: true})
			s.buffered += len(it.raw)
		}
		return
	}
	r.caught = r.caught[:0]
	r.tap.write(it.raw, false)
	if r.tap.Err() != "" || it.end {
		r.toRaw(s, it)
		return
	}
	if it.hdr {
		s.op, s.fin, s.remain, s.control = it.op, it.fin, it.length, it.op >= session.OpClose
		if s.control {
			s.ctl = append(s.ctl[:0], it.raw...)
		} else if s.cur == nil {
			s.cur = &queued{compressed: it.rsv1 && r.tap.deflate != nil}
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
		r.endControl(s)
	case s.fin:
		r.endMessage(s)
	}
}

// takeData holds (or, streaming, sends) the bytes of a data frame.
func (r *Relay) takeData(s *frames, raw []byte, limit int) {
	if s.streaming {
		s.failed = r.write(raw, false) != nil
		return
	}
	s.cur.raw = append(s.cur.raw, raw...)
	s.buffered += len(raw)
	if len(s.cur.raw) <= limit || len(s.queue) > 0 || (s.desync && s.cur.compressed) {
		return
	}
	// Too large to hold whole: it goes on as it comes, undecided.
	s.streaming = true
	s.buffered -= len(s.cur.raw)
	s.failed = r.write(s.cur.raw, false) != nil
	s.cur.raw = nil
}

// endControl sends a complete control frame: at once, or a close frame
// after the messages waiting before it (a close ends the conversation:
// messages held at a breakpoint are released, dropped).
func (r *Relay) endControl(s *frames) {
	r.recordCaught()
	raw := append([]byte(nil), s.ctl...)
	if s.op == session.OpClose {
		s.release()
	}
	if s.op == session.OpClose && len(s.queue) > 0 {
		s.queue = append(s.queue, &queued{raw: raw, close: true})
		s.buffered += len(raw)
		return
	}
	s.failed = r.write(raw, !s.streaming) != nil
}

// endMessage queues the data message just completed for its decision, or
// records it when it went on as it came.
func (r *Relay) endMessage(s *frames) {
	q := s.cur
	s.cur = nil
	for _, m := range r.caught {
		if m.Opcode == session.OpText || m.Opcode == session.OpBinary {
			q.m = m
		} else {
			r.cfg.Record(m)
		}
	}
	r.caught = r.caught[:0]
	if s.streaming {
		s.streaming = false
		q.m.Note = joinNotes(q.m.Note, "not held: larger than the capture limit")
		r.cfg.Record(q.m)
		s.failed = r.write(nil, true) != nil
		return
	}
	s.queue = append(s.queue, q)
}

// toRaw handles a protocol error, or the source's end: the bytes of this
// direction go on unparsed, as the tap's do, after the messages before
// them. What was being read is sent as it came.
func (r *Relay) toRaw(s *frames, it item) {
	s.raw = true
	r.recordCaught()
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
	if len(s.queue) == 0 {
		s.failed = r.write(raw, false) != nil
		return
	}
	s.queue = append(s.queue, &queued{raw: raw, close: true})
	s.buffered += len(raw)
}

// recordCaught records what the tap emitted, as it emitted it.
func (r *Relay) recordCaught() {
	for _, m := range r.caught {
		r.cfg.Record(m)
	}
	r.caught = r.caught[:0]
}
