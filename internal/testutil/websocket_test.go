package testutil

import (
	"bytes"
	"testing"
)

func TestWSAcceptRFCExample(t *testing.T) {
	// RFC 6455 section 1.3.
	if got := WSAccept("dGhlIHNhbXBsZSBub25jZQ=="); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Errorf("WSAccept = %q", got)
	}
}

func TestWSClientFrame(t *testing.T) {
	// RFC 6455 section 5.7: a masked "Hello", and the same unmasked.
	masked := []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}
	f := WSClientFrame(true, false, 1, []byte("Hello"), false)
	// Same header and length; the key is ours, so unmask with it.
	if f[0] != masked[0] || f[1] != masked[1] || len(f) != len(masked) {
		t.Fatalf("header % x, want % x", f[:2], masked[:2])
	}
	key, body := f[2:6], f[6:]
	for i := range body {
		body[i] ^= key[i&3]
	}
	if string(body) != "Hello" {
		t.Errorf("payload %q", body)
	}
	if got := WSClientFrame(false, true, 2, bytes.Repeat([]byte{1}, 300), true); got[0] != 0x42 || got[1] != 126 || got[2] != 1 || got[3] != 44 || len(got) != 304 {
		t.Errorf("unmasked 300-byte frame header % x, length %d", got[:4], len(got))
	}
}
