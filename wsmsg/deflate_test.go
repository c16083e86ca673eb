package wsmsg

import (
	"bytes"
	"compress/flate"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

func TestParseExtensions(t *testing.T) {
	cases := []struct {
		in      []string
		want    Extensions
		wantErr string
	}{
		{nil, Extensions{}, ""},
		{[]string{"permessage-deflate"}, Extensions{Deflate: &Deflate{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}}, ""},
		{[]string{`permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits="10"; client_max_window_bits=9`},
			Extensions{Deflate: &Deflate{true, true, 10, 9}}, ""},
		{[]string{"x-webkit-deflate-frame", "permessage-deflate; client_max_window_bits"},
			Extensions{Deflate: &Deflate{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, Other: true}, ""},
		{[]string{"permessage-deflate; server_max_window_bits=7"}, Extensions{Other: true}, "want 8 to 15"},
		{[]string{"permessage-deflate; bogus"}, Extensions{Other: true}, "unknown parameter"},
	}
	for _, c := range cases {
		got, err := ParseExtensions(c.in...)
		if (err == nil) != (c.wantErr == "") || (err != nil && !strings.Contains(err.Error(), c.wantErr)) {
			t.Errorf("%q: error %v, want %q", c.in, err, c.wantErr)
		}
		if got.Other != c.want.Other || (got.Deflate == nil) != (c.want.Deflate == nil) ||
			(got.Deflate != nil && *got.Deflate != *c.want.Deflate) {
			t.Errorf("%q: %+v %+v, want %+v %+v", c.in, got, got.Deflate, c.want, c.want.Deflate)
		}
	}
}

// compressed returns the permessage-deflate payloads of msgs from one
// compressor: with takeover the context runs on from message to message.
func compressed(t testing.TB, takeover bool, msgs ...[]byte) [][]byte {
	var out [][]byte
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.DefaultCompression)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if !takeover {
			fw.Reset(&buf)
		}
		buf.Reset()
		fw.Write(m)
		fw.Flush()
		out = append(out, bytes.Clone(bytes.TrimSuffix(buf.Bytes(), deflateTail)))
	}
	return out
}

func TestTapDeflateBomb(t *testing.T) {
	bomb := make([]byte, 64<<20) // zeros: about 64 KiB compressed
	later := []byte(strings.Repeat("still here ", 20))
	payloads := compressed(t, true, bomb, later)
	var in []byte
	for _, p := range payloads {
		in = append(in, frameBytes(true, 4, session.OpBinary, nil, p)...)
	}
	ext := Extensions{Deflate: &Deflate{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	got, tp := tapAll(Config{Dir: session.Down, Extensions: ext, Limit: 4096, InflateLimit: 8 << 20}, in, 16<<10)
	runtime.ReadMemStats(&after)
	if len(got) != 2 {
		t.Fatalf("%d messages", len(got))
	}
	m := got[0]
	if !strings.Contains(m.Note, "deflate bomb") || len(m.Data) != 4096 || !m.Truncated || m.Size != 8<<20 {
		t.Errorf("bomb: %d bytes, size %d, truncated %v, note %q", len(m.Data), m.Size, m.Truncated, m.Note)
	}
	// 8 MiB were inflated; only the capped payload, the window and the
	// inflater's buffers may have been allocated.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 3<<20 {
		t.Errorf("allocated %d bytes while inflating a bomb", alloc)
	}
	// With context takeover, the next message cannot be decoded: it is kept
	// compressed, and said so.
	if m := got[1]; !strings.Contains(m.Note, "kept as is") || !bytes.Equal(m.Data, payloads[1]) {
		t.Errorf("after the bomb: %q note %q", m.Data, m.Note)
	}
	if tp.Err() != "" {
		t.Errorf("a bomb is not a protocol error: %q", tp.Err())
	}
}

func TestTapDeflateWithoutTakeoverRecoversAfterBadData(t *testing.T) {
	good := compressed(t, false, []byte("fine message, compressed"))[0]
	in := frameBytes(true, 4, session.OpText, nil, []byte{0xff, 0xff, 0xff}) // not deflate
	in = append(in, frameBytes(true, 4, session.OpText, nil, good)...)
	ext := Extensions{Deflate: &Deflate{ServerNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}}
	got, _ := tapAll(Config{Dir: session.Down, Extensions: ext}, in, 1)
	if len(got) != 2 || !strings.Contains(got[0].Note, "bad permessage-deflate data") {
		t.Fatalf("got %+v", got)
	}
	if string(got[1].Data) != "fine message, compressed" || got[1].Note != "" {
		t.Errorf("second message %q note %q", got[1].Data, got[1].Note)
	}
}

func TestTapDeflateSmallWindow(t *testing.T) {
	// A sender limited to 2^8 bytes of window refers back at most 256
	// bytes; the tap keeps that much history between messages.
	msgs := [][]byte{[]byte(strings.Repeat("abcdefgh", 30)), []byte(strings.Repeat("abcdefgh", 31))}
	payloads := compressed(t, true, msgs...)
	var in []byte
	for _, p := range payloads {
		in = append(in, frameBytes(true, 4, session.OpText, testKey, p)...)
	}
	ext, err := ParseExtensions("permessage-deflate; client_max_window_bits=8")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := tapAll(Config{Dir: session.Up, Extensions: ext}, in, 3)
	for i, m := range msgs {
		if len(got) != 2 || !bytes.Equal(got[i].Data, m) || got[i].Note != "" {
			t.Fatalf("message %d: %+v", i, got)
		}
	}
}

// TestTapDeflateStreamsLargeMessages sends a compressed message too large
// to buffer (random bytes do not compress), in several frames, then one
// that refers back into it: the large one is inflated as it arrives and
// the context carries over.
func TestTapDeflateStreamsLargeMessages(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	big := make([]byte, 2*streamThreshold)
	for i := range big {
		big[i] = byte(rnd.Uint32())
	}
	next := append([]byte("again: "), big[len(big)-20000:]...)
	payloads := compressed(t, true, big, next)
	if len(payloads[0]) <= streamThreshold || len(payloads[1]) > 2000 {
		t.Fatalf("compressed sizes %d and %d: the test proves nothing", len(payloads[0]), len(payloads[1]))
	}
	var in []byte
	p := payloads[0]
	for i := 0; len(p) > 0; i++ {
		n := min(len(p), 100<<10)
		var rsv byte
		op := session.OpContinuation
		if i == 0 {
			rsv, op = 4, session.OpBinary
		}
		in = append(in, frameBytes(n == len(p), rsv, op, testKey, p[:n])...)
		p = p[n:]
	}
	in = append(in, frameBytes(true, 4, session.OpBinary, testKey, payloads[1])...)
	ext := Extensions{Deflate: &Deflate{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}}
	for _, limit := range []int{len(big), 1000} {
		got, _ := tapAll(Config{Dir: session.Up, Extensions: ext, Limit: limit}, in, 4096)
		if len(got) != 2 {
			t.Fatalf("limit %d: %d messages", limit, len(got))
		}
		if m := got[0]; !bytes.Equal(m.Data, big[:limit]) || m.Size != int64(len(big)) || m.Truncated != (limit < len(big)) || m.Note != "" {
			t.Errorf("limit %d: large message %d bytes of %d, truncated %v, note %q", limit, len(m.Data), m.Size, m.Truncated, m.Note)
		}
		if m := got[1]; !bytes.Equal(m.Data, next[:min(limit, len(next))]) || m.Size != int64(len(next)) || m.Note != "" {
			t.Errorf("limit %d: message after it: %d bytes, size %d, note %q", limit, len(m.Data), m.Size, m.Note)
		}
	}
}
