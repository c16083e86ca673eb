package wsmsg

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// chunked reads r n bytes at a time.
type chunked struct {
	r io.Reader
	n int
}

func (c *chunked) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), c.n)]) }

// FuzzRelay relays arbitrary bytes, switching to frame mode after a
// number of chunks. With every message forwarded unchanged (decide 0):
// whatever the input (frames, broken frames, compressed or not), the peer
// gets every byte sent, once, and the relay ends with its source. Control
// frames may overtake a message being held, so the frames are compared
// per kind. Else decide's bits forward, drop or edit each message in turn:
// the relay still ends, and after a protocol error the bytes from the
// error on reach the peer as they came, at the end of what it got.
func FuzzRelay(f *testing.F) {
	f.Add(frameBytes(true, 0, session.OpText, testKey, []byte("hello")), uint8(1), uint8(0))
	f.Add(append(frameBytes(false, 0, session.OpBinary, testKey, []byte("ab")),
		append(frameBytes(true, 0, session.OpPing, testKey, nil),
			frameBytes(true, 0, session.OpContinuation, testKey, []byte("cd"))...)...), uint8(0x13), uint8(0x39))
	for _, p := range compressed(f, true, []byte("compressed text compressed text"), []byte("compressed text again")) {
		f.Add(frameBytes(true, 4, session.OpText, testKey, p), uint8(2), uint8(0x06))
	}
	f.Add(append(frameBytes(true, 0, session.OpText, testKey, bytes.Repeat([]byte("x"), 200)),
		frameBytes(true, 0, session.OpClose, testKey, []byte{3, 232})...), uint8(0x21), uint8(0x1b))
	f.Add(frameBytes(true, 0, session.OpText, nil, []byte("unmasked")), uint8(0x11), uint8(0x02))
	f.Fuzz(func(t *testing.T, in []byte, mode, decide uint8) {
		cfg := Config{Dir: session.Up, Limit: 64, InflateLimit: 1 << 16}
		if mode&2 != 0 {
			cfg.Extensions.Deflate = &Deflate{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
		}
		after := int(mode >> 4) // chunks copied before frame mode
		chunks := 0
		var out bytes.Buffer
		r := NewRelay(NewTap(cfg), &chunked{bytes.NewReader(in), int(mode&0x0c) + 1}, &out, RelayConfig{
			Wants: func() bool { chunks++; return chunks > after },
			Decide: func(context.Context, *session.Message) Decision {
				d := decide & 3
				decide = decide>>2 | d<<6 // the next message takes the next bits
				switch d {
				case 1:
					return Decision{Drop: true}
				case 2:
					return Decision{Data: []byte("e"), Action: session.ActionEdited}
				}
				return Decision{}
			},
		})
		r.Run(context.Background())
		got := out.Bytes()
		if decide != 0 {
			if at := errorOffset(cfg, in); at >= 0 && !bytes.HasSuffix(got, in[at:]) {
				t.Fatalf("relayed %q: the bytes from the protocol error on (%q) are not its end", got, in[at:])
			}
			return
		}
		if len(got) != len(in) || !bytes.Equal(sortedBytes(got), sortedBytes(in)) {
			t.Fatalf("relayed %q, want %q", got, in)
		}
		if r.tap.Err() != "" {
			return
		}
		gd, gc := framesByKind(got)
		wd, wc := framesByKind(in)
		if gd != wd || gc != wc {
			t.Fatalf("relayed data frames %q and control frames %q, want %q and %q", gd, gc, wd, wc)
		}
	})
}

// errorOffset is where in the tap sees a protocol error, or -1.
func errorOffset(cfg Config, in []byte) int {
	tap := NewTap(cfg)
	defer tap.Close()
	for i := range in {
		tap.Write(in[i : i+1])
		if tap.Err() != "" {
			return i
		}
	}
	return -1
}

func sortedBytes(b []byte) []byte {
	out := bytes.Clone(b)
	slices.Sort(out)
	return out
}

// framesByKind lists the data and the control frames of b, in order.
func framesByKind(b []byte) (data, control string) {
	for _, f := range parseFrames(b) {
		s := fmt.Sprintf("%v/%v/%v/%q ", f.op, f.fin, f.rsv1, f.payload)
		if f.op >= session.OpClose {
			control += s
		} else {
			data += s
		}
	}
	return data, control
}
