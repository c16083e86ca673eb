package wsmsg

import (
	"context"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/session"
)

// receive waits for a value from c, failing the test after 10s.
func receive[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s after 10s", what)
		var zero T
		return zero
	}
}

// TestRelayQueuedMessagesAreDecidedWhenTheSourceEnds checks that a message
// queued behind a held one is still decided (here: blocked) when the source
// ends, with or without a close frame first, or breaks the protocol.
func TestRelayQueuedMessagesAreDecidedWhenTheSourceEnds(t *testing.T) {
	for _, end := range []string{"close", "eof", "protocol error"} {
		t.Run(end, func(t *testing.T) {
			asked := make(chan string, 8)
			cfg := RelayConfig{
				Wants: func() bool { return true },
				Decide: func(ctx context.Context, m *session.Message) Decision {
					asked <- string(m.Data)
					switch string(m.Data) {
					case "secret":
						return Decision{Drop: true, Action: "blocked"}
					case "hold":
						return Decision{Wait: func(ctx context.Context) Decision {
							<-ctx.Done()
							return Decision{Drop: true, Action: session.ActionDropped}
						}}
					}
					return Decision{}
				},
			}
			tr := startRelay(t, 1<<20, cfg)
			go func() {
				for range tr.msgs {
				}
			}()
			tr.write(t, frameBytes(true, 0, session.OpText, testKey, []byte("hold")))
			receive(t, asked, "question about the held message")
			tr.write(t, frameBytes(true, 0, session.OpText, testKey, []byte("secret")))
			switch end {
			case "close":
				tr.write(t, frameBytes(true, 0, session.OpClose, testKey, []byte{3, 232}))
			case "protocol error":
				tr.write(t, frameBytes(true, 0, session.OpText, nil, []byte("unmasked")))
			}
			tr.stop(t)
			for _, f := range parseFrames(tr.out.bytes()) {
				if f.payload == "secret" || f.payload == "hold" {
					t.Errorf("%q reached the peer: %+v", f.payload, f)
				}
			}
			select { // Decide is called before the relay ends
			case got := <-asked:
				if got != "secret" {
					t.Errorf("asked about %q", got)
				}
			default:
				t.Error("the queued message was not decided")
			}
		})
	}
}

// timeout is the bound of a wait in these tests.
func timeout(t *testing.T) <-chan time.Time {
	t.Helper()
	return time.After(10 * time.Second)
}
