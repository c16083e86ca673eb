package wsmsg

import (
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// FuzzTap feeds arbitrary bytes to taps of both directions, with and
// without permessage-deflate: no panic, payloads within the cap, sizes
// within the inflate limit, and every byte counted.
func FuzzTap(f *testing.F) {
	f.Add(frameBytes(true, 0, session.OpText, nil, []byte("hello")), uint8(0))
	f.Add(frameBytes(true, 0, session.OpText, testKey, []byte("hello")), uint8(1))
	f.Add(append(frameBytes(false, 0, session.OpBinary, nil, []byte("ab")),
		frameBytes(true, 0, session.OpContinuation, nil, []byte("cd"))...), uint8(2))
	for _, p := range compressed(f, true, []byte("compressed text compressed text"), []byte("compressed text again")) {
		f.Add(frameBytes(true, 4, session.OpText, nil, p), uint8(2))
		f.Add(frameBytes(true, 4, session.OpText, testKey, p), uint8(3))
	}
	f.Add(frameBytes(true, 0, session.OpClose, nil, []byte{3, 232, 'o', 'k'}), uint8(0))
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		const limit, inflateLimit = 64, 1 << 16
		cfg := Config{Dir: session.Direction(mode & 1), Limit: limit, InflateLimit: inflateLimit}
		if mode&2 != 0 {
			cfg.Extensions.Deflate = &Deflate{ServerNoContextTakeover: mode&4 != 0, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
		}
		sizes := []int{int(mode>>3) + 1}
		got, tp := tapAll(cfg, in, sizes...)
		for _, m := range got {
			if len(m.Data) > limit || m.Size > inflateLimit+int64(len(in)) || int64(len(m.Data)) > m.Size && m.Note == "" {
				t.Fatalf("message %d bytes, size %d, note %q", len(m.Data), m.Size, m.Note)
			}
		}
		if tp.Stats().Bytes != int64(len(in)) || tp.Stats().Messages != int64(len(got)) {
			t.Fatalf("stats %+v for %d bytes, %d messages", tp.Stats(), len(in), len(got))
		}
	})
}
