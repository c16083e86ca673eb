package wsmsg

import (
	"encoding/binary"

	"github.com/siphonproxy/siphon/session"
)

// header consumes bytes of a frame header from p and returns how many.
// Once the header is complete it is checked and the frame begins.
func (t *Tap) header(p []byte) int {
	used := 0
	for len(p) > used {
		need := 2
		if t.hdrN >= 2 {
			need = headerLen(t.hdr[1])
		}
		if t.hdrN == need {
			break
		}
		k := copy(t.hdr[t.hdrN:need], p[used:])
		t.hdrN += k
		used += k
		if t.hdrN == 2 && !t.checkStart() {
			return used
		}
	}
	if t.hdrN < 2 || t.hdrN < headerLen(t.hdr[1]) {
		return used
	}
	t.startFrame()
	return used
}

// headerLen is the length of a frame header given its second byte.
func headerLen(b1 byte) int {
	n := 2
	switch b1 & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if b1&0x80 != 0 {
		n += 4
	}
	return n
}

// checkStart checks the first two header bytes and fails the tap on a
// protocol error (RFC 6455 section 5.2, RFC 7692 section 6).
func (t *Tap) checkStart() bool {
	b0, b1 := t.hdr[0], t.hdr[1]
	fin, op, masked, n := b0&0x80 != 0, session.Opcode(b0&0x0f), b1&0x80 != 0, b1&0x7f
	control := op >= session.OpClose
	switch {
	case op > session.OpBinary && op < session.OpClose, op > session.OpPong:
		t.fail(op, "bad opcode %d", op)
	case t.client && !masked:
		t.fail(op, "unmasked client frame")
	case !t.client && masked:
		t.fail(op, "masked server frame")
	case control && !fin:
		t.fail(op, "fragmented control frame (%s)", op)
	case control && n > 125:
		t.fail(op, "oversized control frame (%s): payload over 125 bytes", op)
	case b0&0x30 != 0 && !t.cfg.Extensions.Other:
		t.fail(op, "reserved bits RSV2/RSV3 set without an extension that defines them")
	case b0&0x40 != 0 && control && !t.cfg.Extensions.Other:
		t.fail(op, "reserved bit RSV1 set on a control frame (%s)", op)
	case b0&0x40 != 0 && t.deflate == nil && !t.cfg.Extensions.Other:
		t.fail(op, "reserved bit RSV1 set without permessage-deflate")
	case b0&0x40 != 0 && op == session.OpContinuation && t.deflate != nil:
		t.fail(op, "reserved bit RSV1 set on a continuation frame")
	case op == session.OpContinuation && t.msg == nil:
		t.fail(op, "continuation frame without a message to continue")
	case !control && op != session.OpContinuation && t.msg != nil:
		t.fail(op, "new %s message before the fragmented %s message ended", op, t.msg.op)
	default:
		return true
	}
	return false
}

// startFrame decodes the complete header and begins the frame.
func (t *Tap) startFrame() {
	b0, b1 := t.hdr[0], t.hdr[1]
	f := frame{fin: b0&0x80 != 0, rsv1: b0&0x40 != 0, op: session.Opcode(b0 & 0x0f), masked: b1&0x80 != 0}
	rest := t.hdr[2:t.hdrN]
	switch b1 & 0x7f {
	case 126:
		f.remain = uint64(binary.BigEndian.Uint16(rest))
		rest = rest[2:]
	case 127:
		f.remain = binary.BigEndian.Uint64(rest)
		rest = rest[8:]
		if f.remain>>63 != 0 {
			t.fail(f.op, "bad frame length: the most significant bit is set")
			return
		}
	default:
		f.remain = uint64(b1 & 0x7f)
	}
	if f.masked {
		copy(f.key[:], rest)
	}
	t.hdrN = 0
	t.frame, t.inFrame = f, true
	if f.op == session.OpText || f.op == session.OpBinary {
		t.msg = &message{op: f.op}
		if !f.rsv1 {
			// Most messages are one frame: room for it, up to the cap,
			// but no more than 64 KiB on the word of a frame header
			// alone (a 10-byte header must not cost 16 MiB); append
			// grows it as the bytes really come.
			t.msg.data = make([]byte, 0, min(f.remain, uint64(t.cfg.Limit), 64<<10))
		}
		if f.rsv1 && t.deflate != nil {
			t.msg.compressed = true
			t.deflate.start()
		} else if f.rsv1 {
			t.msg.note = "compressed by an extension siphon does not decode"
		}
	}
	if f.remain == 0 {
		t.endFrame()
	}
}
