package wsmsg

import (
	"bytes"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// gated returns a setup for startRelayWith that reports, on the channel,
// the relay's buffered bytes each time its read gate closes.
func gated() (func(*Relay), chan int) {
	closed := make(chan int, 16)
	return func(r *Relay) {
		r.gate = newGate()
		r.gate.onSet = func(n int) {
			select {
			case closed <- n:
			default:
			}
		}
	}, closed
}

// TestRelayBudgetCountsDecodedCopies checks that while a message is held,
// compressed messages that each inflate to the limit close the read gate
// after a few, not after their raw bytes add up to the limit (a thousand
// times more decoded bytes).
func TestRelayBudgetCountsDecodedCopies(t *testing.T) {
	cfg, asked, _ := holding()
	ext := Extensions{Deflate: &Deflate{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}}
	const limit = 64 << 10
	setup, closed := gated()
	tr := startRelayWith(t, Config{Limit: limit, Extensions: ext}, cfg, setup)
	go func() {
		for range tr.msgs {
		}
	}()
	go func() {
		for range asked {
		}
	}()
	zeros := make([]byte, limit)
	in := make([][]byte, 200) // counted raw, twice the limit takes 480
	for i := range in {
		in[i] = zeros
	}
	go func() {
		for _, m := range compressed(t, true, in...) {
			if _, err := tr.in.Write(frameBytes(true, 4, session.OpBinary, testKey, m)); err != nil {
				return
			}
		}
	}()
	buffered := receive(t, closed, "closed read gate")
	// (What was written may be read ahead, unparsed: bounded too.)
	if buffered > 3*limit+64<<10 {
		t.Errorf("the read gate closed with %d bytes buffered (messages of %d decoded bytes each)", buffered, limit)
	}
}

// TestRelayEndsWhileHeldOverBudget checks that with a message held and the
// budget used up, a ping still goes on and the source's end (behind a
// little more data) still ends the relay, releasing the hold, at once.
func TestRelayEndsWhileHeldOverBudget(t *testing.T) {
	cfg, asked, _ := holding()
	setup, closed := gated()
	tr := startRelayWith(t, Config{Limit: 16}, cfg, setup)
	go func() {
		for range tr.msgs {
		}
	}()
	tr.write(t, frameBytes(true, 0, session.OpText, testKey, []byte("held")))
	receive(t, asked, "question")
	for range 3 {
		tr.write(t, frameBytes(true, 0, session.OpText, testKey, []byte("0123456789")))
	}
	receive(t, closed, "closed read gate")
	ping := frameBytes(true, 0, session.OpPing, testKey, []byte("p"))
	tr.write(t, ping)
	tr.out.waitFor(t, "the ping", func(b []byte) bool { return bytes.Equal(b, ping) })
	tr.stop(t) // fails unless the end releases the hold
}
