package testutil

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
)

// WSAccept is the Sec-WebSocket-Accept value for a client's
// Sec-WebSocket-Key (RFC 6455 section 4.2.2), for tests that play a raw
// WebSocket origin.
func WSAccept(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// WSClientFrame builds one raw client frame, masked with a fixed key
// unless unmasked is set: any FIN, RSV1 and opcode, so that tests can send
// what a careful peer never would.
func WSClientFrame(fin, rsv1 bool, op byte, payload []byte, unmasked bool) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	if rsv1 {
		b0 |= 0x40
	}
	var mask byte = 0x80
	if unmasked {
		mask = 0
	}
	out := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		out = append(out, mask|byte(n))
	case n < 1<<16:
		out = binary.BigEndian.AppendUint16(append(out, mask|126), uint16(n))
	default:
		out = binary.BigEndian.AppendUint64(append(out, mask|127), uint64(n))
	}
	if unmasked {
		return append(out, payload...)
	}
	key := []byte{0x12, 0x34, 0x56, 0x78}
	out = append(out, key...)
	for i, c := range payload {
		out = append(out, c^key[i&3])
	}
	return out
}
