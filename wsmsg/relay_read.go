package wsmsg

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"sync"

	"github.com/siphonproxy/siphon/session"
)

// item is what the frame reader hands the relay: a frame's header, a
// chunk of its payload, or (raw) bytes that cannot be parsed as frames.
type item struct {
	hdr    bool // raw is a frame header
	op     session.Opcode
	fin    bool
	rsv1   bool
	length uint64 // the frame's payload length, with hdr
	// payload is how much of the frame's payload follows the header in
	// raw: all of a small frame whose bytes had already arrived.
	payload int
	raw     []byte
	msgs    []session.Message // what the tap emitted for raw
	bad     bool              // raw broke the protocol: from here on bytes are not parsed
	// undecoded is the tap's undecoded after the data message in msgs.
	undecoded bool
	end       bool // the source ended (after raw, if any)
}

// readFrames splits src into items until it ends or done is closed,
// feeding the tap as it reads: a protocol error is seen at the byte that
// makes it, and the bytes from there on are handed over as they come.
// The tap is this goroutine's until it returns, having closed it. Each
// hand-over holds handoff, so that once done is closed and handoff taken,
// no item comes after what out holds (see stopFrames).
func (r *Relay) readFrames(src io.Reader, out chan<- item, done <-chan struct{}, handoff *sync.Mutex, g *gate) {
	defer func() {
		r.catching = false // what Close emits is recorded as is
		r.tap.Close()
	}()
	br := bufio.NewReaderSize(src, 32<<10)
	send := func(it item) bool {
		if it.end {
			r.tap.Close() // what it emits goes with the last bytes
		}
		it.msgs, r.caught = r.caught, nil
		for _, m := range it.msgs {
			g.took(len(m.Data))
		}
		it.undecoded = r.tap.undecoded
		handoff.Lock()
		defer handoff.Unlock()
		select {
		case <-done:
		default:
			select {
			case out <- it:
				return true
			case <-done:
			}
		}
		// The relay stopped (its destination failed): never sent.
		r.recordUndelivered(it.msgs...)
		return false
	}
	feed := func(b []byte) {
		g.took(len(b))
		r.count(len(b))
		r.tap.write(b, false)
	}
	var hdr [14]byte
	for {
		if !g.wait(br, true, done) {
			return
		}
		n, need := 0, 2
		for n < need {
			k, err := br.Read(hdr[n:need])
			feed(hdr[n : n+k])
			n += k
			if n >= 2 {
				need = headerLen(hdr[1])
			}
			switch {
			case r.tap.Err() != "":
				if send(item{raw: bytes.Clone(hdr[:n]), bad: true, end: err != nil}) && err == nil {
					r.copyRaw(br, send, feed, g, done)
				}
				return
			case err != nil:
				send(item{raw: bytes.Clone(hdr[:n]), end: true})
				return
			}
		}
		it := item{hdr: true, op: session.Opcode(hdr[0] & 0x0f), fin: hdr[0]&0x80 != 0, rsv1: hdr[0]&0x40 != 0,
			raw: bytes.Clone(hdr[:n])}
		switch rest := hdr[2:n]; hdr[1] & 0x7f {
		case 126:
			it.length = uint64(binary.BigEndian.Uint16(rest))
		case 127:
			it.length = binary.BigEndian.Uint64(rest)
		default:
			it.length = uint64(hdr[1] & 0x7f)
		}
		if n := int(it.length); it.length <= 32<<10 && n <= br.Buffered() {
			// Small and already here: one item, without waiting.
			it.raw = append(it.raw, make([]byte, n)...)
			io.ReadFull(br, it.raw[len(it.raw)-n:]) // buffered: cannot fail
			feed(it.raw[len(it.raw)-n:])
			it.payload = n
		}
		if !send(it) {
			return
		}
		for remain := it.length - uint64(it.payload); remain > 0; {
			if it.op < session.OpClose && !g.wait(br, false, done) {
				return
			}
			buf := make([]byte, min(remain, 32<<10))
			k, err := br.Read(buf)
			feed(buf[:k])
			remain -= uint64(k)
			if !send(item{raw: buf[:k], end: err != nil}) || err != nil {
				return
			}
		}
	}
}

// copyRaw hands over the rest of the source as it comes, unparsed.
func (r *Relay) copyRaw(br *bufio.Reader, send func(item) bool, feed func([]byte), g *gate, done <-chan struct{}) {
	for {
		if !g.wait(br, false, done) {
			return
		}
		buf := make([]byte, 32<<10)
		k, err := br.Read(buf)
		feed(buf[:k])
		if !send(item{raw: buf[:k], end: err != nil}) || err != nil {
			return
		}
	}
}
