package wsmsg

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/siphonproxy/siphon/session"
)

type sent struct {
	op   session.Opcode
	data []byte
}

// script sends text, binary, a fragmented message, repetitive messages
// (which context takeover compresses against earlier ones), a large one,
// and closes with a code and reason; it returns what it sent.
func script(t *testing.T) (func(context.Context, *websocket.Conn), []sent) {
	rep := strings.Repeat("the quick brown fox jumps over the lazy dog ", 8)
	big := bytes.Repeat([]byte("0123456789abcdef"), 8<<10) // 128 KiB: several frames
	want := []sent{
		{session.OpText, []byte("hello")},
		{session.OpBinary, []byte{0, 1, 2, 0xff, 0xfe}},
		{session.OpText, []byte("fragmented: héllo wörld")},
		{session.OpText, []byte(rep + "1")},
		{session.OpText, []byte(rep + "2")},
		{session.OpBinary, big},
		{session.OpText, []byte(rep + "3")},
	}
	return func(ctx context.Context, c *websocket.Conn) {
		for i, m := range want {
			typ := websocket.MessageText
			if m.op == session.OpBinary {
				typ = websocket.MessageBinary
			}
			if i == 2 {
				w, err := c.Writer(ctx, typ)
				if err != nil {
					t.Fatal(err)
				}
				for _, part := range [][]byte{m.data[:5], m.data[5:13], m.data[13:]} {
					if _, err := w.Write(part); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
			} else if err := c.Write(ctx, typ, m.data); err != nil {
				t.Fatal(err)
			}
			if _, echo, err := c.Read(ctx); err != nil || !bytes.Equal(echo, m.data) {
				t.Fatalf("echo %d: %v", i, err)
			}
		}
		if err := c.Close(websocket.StatusNormalClosure, "bye"); err != nil {
			t.Fatal(err)
		}
	}, want
}

func TestTapRealConversation(t *testing.T) {
	for _, mode := range []struct {
		name    string
		mode    websocket.CompressionMode
		deflate bool
	}{
		{"plain", websocket.CompressionDisabled, false},
		{"deflate-context-takeover", websocket.CompressionContextTakeover, true},
		{"deflate-no-context-takeover", websocket.CompressionNoContextTakeover, true},
	} {
		t.Run(mode.name, func(t *testing.T) {
			run, want := script(t)
			w := converse(t, mode.mode, run)
			if (w.ext.Deflate != nil) != mode.deflate {
				t.Fatalf("extensions %q: deflate %v", w.extRaw, w.ext.Deflate)
			}
			if mode.deflate && bytes.Contains(w.down, want[3].data[:40]) {
				t.Fatal("repetitive message went uncompressed: the test proves nothing")
			}
			chunkings := map[string][]int{"whole": nil, "bytes": {1}, "odd": {7, 1, 300, 2, 13}}
			rnd := rand.New(rand.NewPCG(1, 2))
			var random []int
			for range 64 {
				random = append(random, 1+rnd.IntN(5000))
			}
			chunkings["random"] = random
			for cname, sizes := range chunkings {
				for _, dir := range []session.Direction{session.Up, session.Down} {
					b := w.up
					if dir == session.Down {
						b = w.down
					}
					got, tp := tapAll(Config{Dir: dir, Extensions: w.ext}, b, sizes...)
					checkConversation(t, fmt.Sprintf("%s %s", cname, dir), got, tp, dir, want)
				}
			}
		})
	}
}

func checkConversation(t *testing.T, what string, got []session.Message, tp *Tap, dir session.Direction, want []sent) {
	t.Helper()
	if dir == session.Up && tp.Stats().Frames <= int64(len(want)+1) {
		t.Errorf("%s: %d frames: the fragmented message was not fragmented", what, tp.Stats().Frames)
	}
	if len(got) != len(want)+1 {
		t.Fatalf("%s: %d messages, want %d", what, len(got), len(want)+1)
	}
	for i, m := range want {
		g := got[i]
		if g.Opcode != m.op || !bytes.Equal(g.Data, m.data) || g.Size != int64(len(m.data)) || g.Truncated || g.Note != "" || g.Dir != dir || g.Time == 0 {
			t.Errorf("%s: message %d = %v %q (size %d, truncated %v, note %q), want %v %.40q",
				what, i, g.Opcode, g.Data[:min(len(g.Data), 40)], g.Size, g.Truncated, g.Note, m.op, m.data)
		}
	}
	closing := got[len(want)]
	code, reason, ok := closing.CloseStatus()
	if !ok || code != int(websocket.StatusNormalClosure) || reason != "bye" || closing.Note != "" {
		t.Errorf("%s: close %d %q %v note %q", what, code, reason, ok, closing.Note)
	}
	st := tp.Stats()
	if st.Messages != int64(len(want)+1) || st.Frames < st.Messages || tp.Err() != "" {
		t.Errorf("%s: stats %+v err %q", what, st, tp.Err())
	}
}

func TestTapTruncatesAtLimit(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 100<<10)
	for _, mode := range []websocket.CompressionMode{websocket.CompressionDisabled, websocket.CompressionContextTakeover} {
		w := converse(t, mode, func(ctx context.Context, c *websocket.Conn) {
			for _, m := range [][]byte{big, []byte("after")} {
				if err := c.Write(ctx, websocket.MessageText, m); err != nil {
					t.Fatal(err)
				}
				if _, _, err := c.Read(ctx); err != nil {
					t.Fatal(err)
				}
			}
			c.Close(websocket.StatusGoingAway, "")
		})
		got, _ := tapAll(Config{Dir: session.Up, Extensions: w.ext, Limit: 1024}, w.up, 999)
		if len(got) != 3 {
			t.Fatalf("mode %v: %d messages", mode, len(got))
		}
		if m := got[0]; len(m.Data) != 1024 || m.Size != int64(len(big)) || !m.Truncated || m.Note != "" || !bytes.Equal(m.Data, big[:1024]) {
			t.Errorf("mode %v: big message %d bytes of %d, truncated %v, note %q", mode, len(m.Data), m.Size, m.Truncated, m.Note)
		}
		if m := got[1]; string(m.Data) != "after" || m.Truncated {
			t.Errorf("mode %v: message after the big one: %q", mode, m.Data)
		}
	}
}

func TestTapCloseMidMessage(t *testing.T) {
	b := frameBytes(false, 0, session.OpText, nil, []byte("part one "))
	got, tp := tapAll(Config{Dir: session.Down}, b)
	if len(got) != 1 || string(got[0].Data) != "part one " || !strings.Contains(got[0].Note, "ended before") {
		t.Fatalf("got %+v", got)
	}
	tp.Close() // again: nothing more
	if tp.Stats().Messages != 1 {
		t.Fatal("second Close emitted")
	}
}
