package wsmsg

import (
	"bytes"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// TestRelayStopsAtUnsendableLargeMessage checks that after a compressed
// message was changed under context takeover, a compressed message whose
// compressed bytes alone pass the limit stops the relay as soon as they
// do, noted "not sent", instead of being read whole (it could never be
// re-sent).
func TestRelayStopsAtUnsendableLargeMessage(t *testing.T) {
	cfg, asked, answers := holding()
	ext := Extensions{Deflate: &Deflate{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}}
	tr := startRelayTap(t, Config{Limit: 1 << 10, Extensions: ext}, cfg)
	tr.write(t, frameBytes(true, 4, session.OpText, testKey, compressed(t, true, []byte("first"))[0]))
	receive(t, asked, "question")
	answers <- Decision{Drop: true}
	const total = 64 << 20
	hdr := []byte{0x80 | 0x40 | 2, 0x80 | 127, 0, 0, 0, 0, 0x04, 0, 0, 0} // binary, compressed, 64 MiB
	tr.write(t, append(hdr, testKey...))
	var written atomic.Int64
	go func() {
		chunk := bytes.Repeat([]byte{0}, 1<<20)
		for range total >> 20 {
			if _, err := tr.in.Write(chunk); err != nil {
				return
			}
			written.Add(int64(len(chunk)))
		}
	}()
	select {
	case <-tr.done:
	case m := <-asked:
		t.Fatalf("asked about %+v", m)
	case <-tr.out.changed:
		t.Fatalf("sent %q", tr.out.bytes())
	case <-timeout(t):
		t.Fatalf("the relay did not stop; %d bytes of the message read", written.Load())
	}
	if n := written.Load(); n >= total {
		t.Errorf("the whole message was read (%d bytes)", n)
	}
	for {
		m := tr.message(t)
		if m.Opcode == session.OpBinary {
			if m.Action != session.ActionDropped || !strings.Contains(m.Note, "not sent") {
				t.Errorf("recorded %+v", m)
			}
			return
		}
	}
}
