package wsmsg

import (
	"crypto/rand"
	"encoding/binary"

	"github.com/siphonproxy/siphon/session"
)

// AppendFrame appends payload as one final, uncompressed frame (FIN set,
// RSV bits clear) of opcode op to b. A client's frames (mask true) are
// masked with a fresh random key, as RFC 6455 section 5.3 requires; a
// server's are not masked.
func AppendFrame(b []byte, op session.Opcode, payload []byte, mask bool) []byte {
	b = append(b, 0x80|byte(op&0x0f))
	var maskBit byte
	if mask {
		maskBit = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		b = append(b, maskBit|byte(n))
	case n <= 0xffff:
		b = append(b, maskBit|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, maskBit|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if !mask {
		return append(b, payload...)
	}
	var key [4]byte
	rand.Read(key[:]) // never fails (crypto/rand panics rather)
	b = append(b, key[:]...)
	start := len(b)
	b = append(b, payload...)
	for i := range payload {
		b[start+i] ^= key[i&3]
	}
	return b
}
