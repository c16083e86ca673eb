package wsmsg

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// frameBytes builds one frame; a non-nil key masks it.
func frameBytes(fin bool, rsv byte, op session.Opcode, key []byte, payload []byte) []byte {
	b0 := rsv<<4 | byte(op)
	if fin {
		b0 |= 0x80
	}
	out := []byte{b0}
	var b1 byte
	if key != nil {
		b1 = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		out = append(out, b1|byte(n))
	case n < 1<<16:
		out = append(out, b1|126)
		out = binary.BigEndian.AppendUint16(out, uint16(n))
	default:
		out = append(out, b1|127)
		out = binary.BigEndian.AppendUint64(out, uint64(n))
	}
	if key == nil {
		return append(out, payload...)
	}
	out = append(out, key...)
	for i, c := range payload {
		out = append(out, c^key[i&3])
	}
	return out
}

var testKey = []byte{0x12, 0x34, 0x56, 0x78}

func TestTapBadInput(t *testing.T) {
	good := func(dir session.Direction) []byte {
		var key []byte
		if dir == session.Up {
			key = testKey
		}
		return frameBytes(true, 0, session.OpText, key, []byte("after"))
	}
	cases := []struct {
		name  string
		dir   session.Direction
		bad   []byte
		note  string
		stops bool
	}{
		{"bad opcode", session.Down, frameBytes(true, 0, 3, nil, []byte("x")), "bad opcode 3", true},
		{"bad control opcode", session.Up, frameBytes(true, 0, 11, testKey, nil), "bad opcode 11", true},
		{"unmasked client frame", session.Up, frameBytes(true, 0, session.OpText, nil, []byte("hi")), "unmasked client frame", true},
		{"masked server frame", session.Down, frameBytes(true, 0, session.OpText, testKey, []byte("hi")), "masked server frame", true},
		{"oversized control frame", session.Down, frameBytes(true, 0, session.OpPing, nil, make([]byte, 126)), "oversized control frame", true},
		{"fragmented control frame", session.Down, frameBytes(false, 0, session.OpPing, nil, []byte("p")), "fragmented control frame", true},
		{"RSV1 without extension", session.Down, frameBytes(true, 4, session.OpText, nil, []byte("hi")), "RSV1 set without permessage-deflate", true},
		{"RSV2", session.Down, frameBytes(true, 2, session.OpText, nil, []byte("hi")), "RSV2/RSV3", true},
		{"RSV3", session.Up, frameBytes(true, 1, session.OpBinary, testKey, []byte("hi")), "RSV2/RSV3", true},
		{"lone continuation", session.Down, frameBytes(true, 0, session.OpContinuation, nil, []byte("hi")), "continuation frame without a message", true},
		{"new message mid-fragment", session.Down, append(frameBytes(false, 0, session.OpText, nil, []byte("a")),
			frameBytes(true, 0, session.OpBinary, nil, []byte("b"))...), "new binary message before the fragmented text message ended", true},
		{"64-bit length with top bit", session.Down, []byte{0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1}, "bad frame length", true},
		{"invalid UTF-8 text", session.Down, frameBytes(true, 0, session.OpText, nil, []byte{'a', 0xff, 'b'}), "not valid UTF-8", false},
		{"1-byte close payload", session.Down, frameBytes(true, 0, session.OpClose, nil, []byte{3}), "close payload of 1 byte", false},
		{"close reason not UTF-8", session.Down, frameBytes(true, 0, session.OpClose, nil, []byte{3, 232, 0xc3}), "close reason is not valid UTF-8", false},
		{"reserved close code", session.Down, frameBytes(true, 0, session.OpClose, nil, []byte{3, 237}), "close code 1005 may not be sent", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := append(bytes.Clone(c.bad), good(c.dir)...)
			for _, sizes := range [][]int{nil, {1}} {
				got, tp := tapAll(Config{Dir: c.dir}, in, sizes...)
				var notes []string
				for _, m := range got {
					notes = append(notes, m.Note)
				}
				joined := strings.Join(notes, " | ")
				if !strings.Contains(joined, c.note) {
					t.Errorf("notes %q, want %q", joined, c.note)
				}
				last := got[len(got)-1]
				parsedAfter := string(last.Data) == "after" && last.Note == ""
				if parsedAfter == c.stops {
					t.Errorf("stops %v, but the good frame after was parsed: %v (notes %q)", c.stops, parsedAfter, joined)
				}
				if (tp.Err() != "") != c.stops || (c.stops && !strings.Contains(tp.Err(), c.note)) {
					t.Errorf("Err() = %q", tp.Err())
				}
				if tp.Stats().Bytes != int64(len(in)) {
					t.Errorf("counted %d bytes of %d", tp.Stats().Bytes, len(in))
				}
			}
		})
	}
}

func TestTapCountsPingPong(t *testing.T) {
	in := append(frameBytes(true, 0, session.OpPing, nil, []byte("p")), frameBytes(true, 0, session.OpPong, nil, nil)...)
	in = append(in, frameBytes(false, 0, session.OpText, nil, []byte("a"))...)
	in = append(in, frameBytes(true, 0, session.OpPing, nil, nil)...) // between fragments: allowed
	in = append(in, frameBytes(true, 0, session.OpContinuation, nil, []byte("b"))...)
	got, tp := tapAll(Config{Dir: session.Down}, in, 1)
	st := tp.Stats()
	if len(got) != 1 || string(got[0].Data) != "ab" || st.Pings != 2 || st.Pongs != 1 || st.Frames != 5 || st.Messages != 1 {
		t.Fatalf("messages %+v stats %+v", got, st)
	}
}

func TestTapTruncatedTextCutMidRuneIsValid(t *testing.T) {
	text := []byte(strings.Repeat("é", 10)) // 2 bytes each
	got, _ := tapAll(Config{Dir: session.Down, Limit: 5}, frameBytes(true, 0, session.OpText, nil, text))
	if len(got) != 1 || len(got[0].Data) != 5 || !got[0].Truncated || got[0].Note != "" {
		t.Fatalf("got %+v", got)
	}
}
