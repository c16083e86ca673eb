package wsmsg

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/session"
)

// TestRelayPeerClosedWhileHeld checks that once the destination's peer has
// closed, the held message and those queued behind it are released and
// recorded as not delivered, and none of them is sent.
func TestRelayPeerClosedWhileHeld(t *testing.T) {
	cfg, asked, _ := holding()
	tr := startRelay(t, 1<<20, cfg)
	tr.write(t, frameBytes(true, 0, session.OpText, testKey, []byte("held A")))
	receive(t, asked, "question")
	tr.write(t, frameBytes(true, 0, session.OpText, testKey, []byte("next B")))
	tr.write(t, frameBytes(true, 0, session.OpClose, testKey, []byte{3, 232}))
	tr.PeerClosed()
	want := []struct{ data, action, note string }{
		{"held A", session.ActionDropped, ""},
		{"next B", session.ActionDropped, notDeliveredNote},
		{"\x03\xe8", "", notDeliveredNote},
	}
	for _, w := range want {
		m := tr.message(t)
		if string(m.Data) != w.data || m.Action != w.action || !strings.Contains(m.Note, w.note) {
			t.Errorf("recorded %q action %q note %q, want %q %q %q", m.Data, m.Action, m.Note, w.data, w.action, w.note)
		}
	}
	// Later messages, held or not, go nowhere either.
	tr.write(t, frameBytes(true, 0, session.OpText, testKey, []byte("late")))
	if m := tr.message(t); m.Action != session.ActionDropped || !strings.Contains(m.Note, notDeliveredNote) {
		t.Errorf("a later message recorded as %+v", m)
	}
	if b := tr.out.bytes(); len(b) != 0 {
		t.Errorf("sent %q to a peer that closed", b)
	}
}

// TestRelayPeerClosedWithNothingHeld checks that a peer's close alone
// changes nothing: a peer that only half-closed still gets messages.
func TestRelayPeerClosedWithNothingHeld(t *testing.T) {
	tr := startRelay(t, 1<<20, RelayConfig{Wants: func() bool { return true }, Decide: func(context.Context, *session.Message) Decision { return Decision{} }})
	tr.PeerClosed()
	frame := frameBytes(true, 0, session.OpText, testKey, []byte("still read"))
	tr.write(t, frame)
	tr.out.waitFor(t, "the message", func(b []byte) bool { return string(b) == string(frame) })
	if m := tr.message(t); m.Action != "" || m.Note != "" {
		t.Errorf("recorded %+v", m)
	}
}

// failing is a destination whose writes fail once fail is closed.
type failing struct {
	fail chan struct{}
	sink *sink
}

func (f *failing) Write(p []byte) (int, error) {
	select {
	case <-f.fail:
		return 0, errors.New("connection reset")
	default:
		return f.sink.Write(p)
	}
}

// TestRelayRecordsFailedWritesAsNotDelivered checks, in both modes, that a
// message whose bytes could not be written is recorded as not delivered,
// and those queued behind it too.
func TestRelayRecordsFailedWritesAsNotDelivered(t *testing.T) {
	for _, framed := range []bool{false, true} {
		pr, pw := io.Pipe()
		msgs := make(chan session.Message, 16)
		dst := &failing{fail: make(chan struct{}), sink: newSink()}
		cfg := RelayConfig{Record: func(m session.Message) { msgs <- m }}
		asked := make(chan *session.Message, 4)
		if framed {
			cfg.Wants = func() bool { return true }
			cfg.Decide = func(_ context.Context, m *session.Message) Decision {
				asked <- m
				if string(m.Data) != "first" {
					return Decision{}
				}
				return Decision{Wait: func(ctx context.Context) Decision {
					<-dst.fail
					return Decision{}
				}}
			}
		}
		r := NewRelay(NewTap(Config{Dir: session.Up}), pr, dst, cfg)
		done := make(chan struct{})
		go func() { r.Run(context.Background()); close(done) }()
		if !framed {
			close(dst.fail)
		}
		pw.Write(frameBytes(true, 0, session.OpText, testKey, []byte("first")))
		if framed {
			receive(t, asked, "question")
			pw.Write(frameBytes(true, 0, session.OpText, testKey, []byte("second")))
			close(dst.fail)
		}
		// It stops at the failed write, its source still open.
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("framed %v: the relay did not stop", framed)
		}
		// "first" is recorded before its bytes go (so that an answer is
		// recorded after it), then the failed write as a note; in frame
		// mode "second", never written, is recorded as not delivered.
		next := func() session.Message {
			select {
			case m := <-msgs:
				return m
			case <-time.After(10 * time.Second):
				t.Fatalf("framed %v: a message was not recorded", framed)
				return session.Message{}
			}
		}
		if m := next(); string(m.Data) != "first" || m.Action != "" {
			t.Errorf("framed %v: recorded %q action %q note %q, want first", framed, m.Data, m.Action, m.Note)
		}
		if m := next(); m.Opcode != session.OpContinuation || !strings.Contains(m.Note, notDeliveredNote+" (the message above)") {
			t.Errorf("framed %v: after the failed write, recorded %q opcode %d note %q", framed, m.Data, m.Opcode, m.Note)
		}
		if framed {
			if m := next(); string(m.Data) != "second" || m.Action != session.ActionDropped || !strings.Contains(m.Note, notDeliveredNote) {
				t.Errorf("recorded %q action %q note %q, want second not delivered", m.Data, m.Action, m.Note)
			}
		}
		pw.Close()
	}
}

// echoWriter answers each write at once, as an echo server on loopback
// can before the relay's Write returns: its answer is recorded then.
type echoWriter struct{ answer func() }

func (w echoWriter) Write(p []byte) (int, error) { w.answer(); return len(p), nil }

// A message is recorded before its bytes reach the peer, so that the
// peer's answer is always recorded after it, in both relay modes.
func TestRelayRecordsBeforeThePeerCanAnswer(t *testing.T) {
	for _, framed := range []bool{false, true} {
		var order []string
		rec := func(m session.Message) { order = append(order, string(m.Data)) }
		dst := echoWriter{answer: func() { order = append(order, "echo") }}
		cfg := RelayConfig{Record: rec}
		if framed {
			cfg.Wants = func() bool { return true }
			cfg.Decide = func(context.Context, *session.Message) Decision { return Decision{} }
		}
		src := bytes.NewReader(frameBytes(true, 0, session.OpText, testKey, []byte("hello")))
		r := NewRelay(NewTap(Config{Dir: session.Up}), src, dst, cfg)
		r.Run(context.Background())
		if len(order) < 2 || order[0] != "hello" || order[1] != "echo" {
			t.Errorf("framed %v: recorded in the order %q, want hello before its echo", framed, order)
		}
	}
}

// TestRelayRecordsEverythingBeforeItReturns checks that a relay stopped by
// a failed write, its source still open, has recorded the message it was
// reading when Run returns (not later, when the source closes).
func TestRelayRecordsEverythingBeforeItReturns(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	msgs := make(chan session.Message, 16)
	dst := &failing{fail: make(chan struct{}), sink: newSink()}
	close(dst.fail)
	cfg := RelayConfig{Record: func(m session.Message) { msgs <- m }, Wants: func() bool { return true }}
	r := NewRelay(NewTap(Config{Dir: session.Up}), pr, dst, cfg)
	done := make(chan struct{})
	go func() { r.Run(context.Background()); close(done) }()
	pw.Write(frameBytes(false, 0, session.OpText, testKey, []byte("cut")))
	pw.Write(frameBytes(true, 0, session.OpPing, testKey, nil)) // its write fails
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the relay did not stop")
	}
	for len(msgs) > 0 {
		if m := <-msgs; string(m.Data) == "cut" {
			return
		}
	}
	t.Error("the message being read was not recorded before Run returned")
}
