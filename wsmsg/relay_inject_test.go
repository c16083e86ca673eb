package wsmsg

import (
	"errors"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// TestRelayRefusesInjectionAfterClose checks that once a close frame went
// on, copied or held behind a message and then sent, Inject is refused:
// no data frame may follow a close (RFC 6455 section 5.5.1).
func TestRelayRefusesInjectionAfterClose(t *testing.T) {
	for _, framed := range []bool{false, true} {
		cfg, asked, answers := holding()
		if !framed {
			cfg = RelayConfig{}
		}
		tr := startRelay(t, 1<<20, cfg)
		tr.write(t, frameBytes(true, 0, session.OpText, testKey, []byte("message")))
		tr.write(t, frameBytes(true, 0, session.OpClose, testKey, []byte{3, 232}))
		if framed {
			receive(t, asked, "question")
			answers <- Decision{}
		}
		tr.out.waitFor(t, "the close", func(b []byte) bool {
			f := parseFrames(b)
			return len(f) == 2 && f[1].op == session.OpClose
		})
		err := tr.Inject(session.OpText, []byte("late"))
		if !errors.Is(err, ErrClosing) || !strings.Contains(err.Error(), "wsmsg: a close frame") {
			t.Errorf("framed=%v: inject after the close: %v", framed, err)
		}
		tr.stop(t)
		if f := parseFrames(tr.out.bytes()); len(f) != 2 {
			t.Errorf("framed=%v: sent %+v", framed, f)
		}
	}
}

// TestRelayRecordsInjectionLostAtTheEnd checks that an injection queued
// behind a message the source never finished is recorded, as not sent.
func TestRelayRecordsInjectionLostAtTheEnd(t *testing.T) {
	tr := startRelay(t, 1<<20, RelayConfig{})
	frame := frameBytes(true, 0, session.OpBinary, testKey, []byte("0123456789"))
	tr.write(t, frame[:7])
	tr.out.waitFor(t, "half a frame", func(b []byte) bool { return len(b) == 7 })
	if err := tr.Inject(session.OpText, []byte("queued")); err != nil {
		t.Fatal(err)
	}
	tr.stop(t)
	for range 2 {
		if m := tr.message(t); string(m.Data) == "queued" {
			if m.Action != session.ActionInjected || m.Note != notSentNote {
				t.Errorf("recorded %+v", m)
			}
			return
		}
	}
	t.Error("the queued injection was not recorded")
}
