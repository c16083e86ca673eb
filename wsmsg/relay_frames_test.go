package wsmsg

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/session"
)

// holding is a RelayConfig whose Decide hands each message to the test
// and waits for its decision.
func holding() (RelayConfig, chan *session.Message, chan Decision) {
	asked, answers := make(chan *session.Message, 8), make(chan Decision)
	return RelayConfig{
		Wants: func() bool { return true },
		Decide: func(ctx context.Context, m *session.Message) Decision {
			asked <- m
			return Decision{Wait: func(ctx context.Context) Decision {
				select {
				case d := <-answers:
					return d
				case <-ctx.Done():
					return Decision{Drop: true, Action: session.ActionDropped}
				}
			}}
		},
	}, asked, answers
}

// TestRelayHoldsFragmentedMessageButNotItsControlFrames checks that a
// fragmented message is held whole while a ping inside it goes on, and
// that its edit is sent as one masked, uncompressed frame.
func TestRelayHoldsFragmentedMessageButNotItsControlFrames(t *testing.T) {
	cfg, asked, answers := holding()
	tr := startRelay(t, 1<<20, cfg)
	ping := frameBytes(true, 0, session.OpPing, testKey, []byte("p"))
	tr.write(t, frameBytes(false, 0, session.OpText, testKey, []byte("hel")))
	tr.write(t, ping)
	tr.out.waitFor(t, "the ping", func(b []byte) bool { return bytes.Equal(b, ping) })
	tr.write(t, frameBytes(true, 0, session.OpContinuation, testKey, []byte("lo")))
	if m := receive(t, asked, "question"); string(m.Data) != "hello" || m.Opcode != session.OpText {
		t.Fatalf("asked about %+v", m)
	}
	answers <- Decision{Data: []byte("bye"), Action: session.ActionEdited}
	got := tr.out.waitFor(t, "the edit", func(b []byte) bool { return len(parseFrames(b)) == 2 })
	if f := parseFrames(got)[1]; !f.fin || f.rsv1 || !f.masked || f.op != session.OpText || f.payload != "bye" {
		t.Errorf("edit sent as %+v", f)
	}
	if m := tr.message(t); m.Action != session.ActionEdited || string(m.Data) != "bye" || string(m.Original) != "hello" {
		t.Errorf("recorded %+v", m)
	}
}

// TestRelayInjectsBetweenMessagesOnTheFastPath checks that a message
// injected while a frame is half relayed waits for the frame's end.
func TestRelayInjectsBetweenMessagesOnTheFastPath(t *testing.T) {
	tr := startRelay(t, 1<<20, RelayConfig{})
	frame := frameBytes(true, 0, session.OpBinary, testKey, []byte("0123456789"))
	tr.write(t, frame[:7])
	tr.out.waitFor(t, "half a frame", func(b []byte) bool { return len(b) == 7 })
	if err := tr.Inject(session.OpText, []byte("injected")); err != nil {
		t.Fatal(err)
	}
	if b := tr.out.bytes(); len(b) != 7 {
		t.Fatalf("injected inside a frame: %q", b)
	}
	tr.write(t, frame[7:])
	got := tr.out.waitFor(t, "the frame, then the injected one", func(b []byte) bool { return len(parseFrames(b)) == 2 })
	if !bytes.HasPrefix(got, frame) {
		t.Errorf("the relayed frame changed: %q", got)
	}
	if f := parseFrames(got)[1]; f.payload != "injected" || !f.masked || f.op != session.OpText {
		t.Errorf("injected %+v", f)
	}
	// Between messages it goes at once.
	if err := tr.Inject(session.OpBinary, []byte{1, 2}); err != nil {
		t.Fatal(err)
	}
	tr.out.waitFor(t, "a second injection", func(b []byte) bool { return len(parseFrames(b)) == 3 })
	var actions []string
	for range 3 {
		actions = append(actions, tr.message(t).Action)
	}
	if strings.Join(actions, ",") != ",injected,injected" {
		t.Errorf("recorded actions %q", actions)
	}
	tr.stop(t)
	if err := tr.Inject(session.OpText, []byte("late")); err == nil {
		t.Error("inject after the end: no error")
	}
}

// TestRelayFrameModeProtocolError checks that after a protocol error the
// bytes go on unchanged and the relay still ends with its source.
func TestRelayFrameModeProtocolError(t *testing.T) {
	var asked atomic.Int32
	tr := startRelay(t, 1<<20, RelayConfig{
		Wants:  func() bool { return true },
		Decide: func(context.Context, *session.Message) Decision { asked.Add(1); return Decision{} },
	})
	good := frameBytes(true, 0, session.OpText, testKey, []byte("fine"))
	bad := frameBytes(true, 0, session.OpText, nil, []byte("unmasked"))
	junk := []byte("\x8f\xff garbage")
	tr.write(t, good)
	tr.write(t, bad)
	tr.write(t, junk)
	want := append(append(append([]byte{}, good...), bad...), junk...)
	tr.out.waitFor(t, "every byte", func(b []byte) bool { return bytes.Equal(b, want) })
	tr.stop(t)
	if m := tr.message(t); string(m.Data) != "fine" {
		t.Errorf("first message %+v", m)
	}
	if m := tr.message(t); !strings.Contains(m.Note, "unmasked client frame") {
		t.Errorf("error message %+v", m)
	}
	if asked.Load() != 1 {
		t.Errorf("Decide asked %d times", asked.Load())
	}
}

// TestRelayStreamsMessagesTooLargeToHold checks that a message larger than
// the limit goes on as it comes, undecided, noted as Undecided says, and
// the next one is held.
func TestRelayStreamsMessagesTooLargeToHold(t *testing.T) {
	cfg, asked, answers := holding()
	cfg.Undecided = func(m *session.Message, why string) string {
		if m.Size != 100 {
			return fmt.Sprintf("asked about a message of %d bytes", m.Size)
		}
		return "not held: " + why
	}
	tr := startRelay(t, 16, cfg)
	big := frameBytes(true, 0, session.OpBinary, testKey, bytes.Repeat([]byte("x"), 100))
	tr.write(t, big[:60])
	tr.out.waitFor(t, "the start of the large message", func(b []byte) bool { return len(b) == 60 })
	tr.write(t, big[60:])
	tr.out.waitFor(t, "the large message", func(b []byte) bool { return bytes.Equal(b, big) })
	if m := tr.message(t); m.Size != 100 || m.Note != "not held: larger than the capture limit" || m.Action != "" {
		t.Errorf("recorded %+v", m)
	}
	small := frameBytes(true, 0, session.OpText, testKey, []byte("small"))
	tr.write(t, small)
	if m := receive(t, asked, "question"); string(m.Data) != "small" {
		t.Fatalf("asked about %q", m.Data)
	}
	answers <- Decision{}
	tr.out.waitFor(t, "the small message, unchanged", func(b []byte) bool { return bytes.Equal(b, append(bytes.Clone(big), small...)) })
}

// TestRelaySourceEndsWhileHeld checks that a source ending while a message
// is held releases it (dropped) and ends the relay.
func TestRelaySourceEndsWhileHeld(t *testing.T) {
	cfg, asked, _ := holding()
	tr := startRelay(t, 1<<20, cfg)
	tr.write(t, frameBytes(true, 0, session.OpText, testKey, []byte("held")))
	receive(t, asked, "question")
	tr.write(t, frameBytes(false, 0, session.OpText, testKey, []byte("cut")))
	tr.stop(t)
	if m := tr.message(t); m.Action != session.ActionDropped || string(m.Data) != "held" {
		t.Errorf("held message recorded as %+v", m)
	}
	if len(tr.out.bytes()) == 0 {
		t.Error("the cut message's bytes were not passed on")
	}
}

// TestRelayDesyncedContext checks permessage-deflate with context
// takeover: after a compressed message is edited, later compressed
// messages go uncompressed, re-framed from their decoded copy; one that
// does not decode (bad data) is neither asked about nor sent, and the
// relay ends, noted.
func TestRelayDesyncedContext(t *testing.T) {
	cfg, asked, answers := holding()
	ext := Extensions{Deflate: &Deflate{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}}
	tr := startRelayTap(t, Config{Limit: 1 << 20, Extensions: ext}, cfg)
	msgs := compressed(t, true, []byte("first message, compressed"), []byte("first message, compressed again"))
	tr.write(t, frameBytes(true, 4, session.OpText, testKey, msgs[0]))
	receive(t, asked, "question")
	answers <- Decision{Data: []byte("edited"), Action: session.ActionEdited}
	tr.write(t, frameBytes(true, 4, session.OpText, testKey, msgs[1]))
	if m := receive(t, asked, "question"); string(m.Data) != "first message, compressed again" {
		t.Fatalf("asked about %q", m.Data)
	}
	answers <- Decision{}
	got := tr.out.waitFor(t, "two frames", func(b []byte) bool { return len(parseFrames(b)) == 2 })
	for i, want := range []string{"edited", "first message, compressed again"} {
		if f := parseFrames(got)[i]; f.rsv1 || f.payload != want || !f.masked {
			t.Errorf("frame %d sent as %+v, want %q uncompressed", i, f, want)
		}
	}
	tr.write(t, frameBytes(true, 4, session.OpText, testKey, []byte{0xff, 0xff, 0xff}))
	select {
	case <-tr.done:
	case m := <-asked:
		t.Fatalf("asked about an undecodable message %q", m.Data)
	case <-time.After(10 * time.Second):
		t.Fatal("the relay did not stop at a message it cannot re-send")
	}
	if len(parseFrames(tr.out.bytes())) != 2 {
		t.Errorf("sent %q", tr.out.bytes())
	}
	var last session.Message
	for range 3 {
		last = tr.message(t)
	}
	if !strings.Contains(last.Note, "not sent") {
		t.Errorf("last message %+v", last)
	}
}

// TestRelayCloseWaitsBehindHeldMessage checks that a close frame does not
// overtake a held message, nor release it: once it is forwarded, the
// message goes on, then the close; a ping goes on at once meanwhile.
func TestRelayCloseWaitsBehindHeldMessage(t *testing.T) {
	cfg, asked, answers := holding()
	tr := startRelay(t, 1<<20, cfg)
	held := frameBytes(true, 0, session.OpText, testKey, []byte("held"))
	ping := frameBytes(true, 0, session.OpPing, testKey, nil)
	closing := frameBytes(true, 0, session.OpClose, testKey, []byte{3, 232})
	tr.write(t, held)
	receive(t, asked, "question")
	tr.write(t, closing)
	tr.write(t, ping)
	tr.out.waitFor(t, "the ping alone", func(b []byte) bool { return bytes.Equal(b, ping) })
	answers <- Decision{} // still held: the close did not release it
	want := append(append(bytes.Clone(ping), held...), closing...)
	tr.out.waitFor(t, "the message, then the close", func(b []byte) bool { return bytes.Equal(b, want) })
	for _, w := range []string{"held", "\x03\xe8"} {
		if m := tr.message(t); string(m.Data) != w || m.Action != "" || m.Note != "" {
			t.Errorf("recorded %+v, want %q relayed", m, w)
		}
	}
}
