package wsmsg

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/session"
)

// sink is a relay's destination that tests wait on.
type sink struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

func newSink() *sink { return &sink{changed: make(chan struct{}, 1)} }

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.b.Write(p)
	s.mu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (s *sink) bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

// waitFor waits until ok accepts what the sink received.
func (s *sink) waitFor(t *testing.T, what string, ok func([]byte) bool) []byte {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		if b := s.bytes(); ok(b) {
			return b
		}
		select {
		case <-s.changed:
		case <-timeout:
			t.Fatalf("the peer never got %s; got %q", what, s.bytes())
			return nil
		}
	}
}

// sentFrame is a frame as a peer reads it.
type sentFrame struct {
	fin, rsv1, masked bool
	op                session.Opcode
	payload           string
}

// parseFrames reads the complete frames in b, unmasked.
func parseFrames(b []byte) []sentFrame {
	var out []sentFrame
	for len(b) >= 2 {
		f := sentFrame{fin: b[0]&0x80 != 0, rsv1: b[0]&0x40 != 0, op: session.Opcode(b[0] & 0x0f), masked: b[1]&0x80 != 0}
		n, h := uint64(b[1]&0x7f), 2
		switch n {
		case 126:
			if len(b) < 4 {
				return out
			}
			n, h = uint64(binary.BigEndian.Uint16(b[2:])), 4
		case 127:
			if len(b) < 10 {
				return out
			}
			n, h = binary.BigEndian.Uint64(b[2:]), 10
		}
		var key []byte
		if f.masked {
			if len(b) < h+4 {
				return out
			}
			key, h = b[h:h+4], h+4
		}
		if uint64(len(b)-h) < n {
			return out
		}
		p := bytes.Clone(b[h : h+int(n)])
		for i := range p {
			if key != nil {
				p[i] ^= key[i&3]
			}
		}
		f.payload = string(p)
		out = append(out, f)
		b = b[h+int(n):]
	}
	return out
}

// testRelay runs a relay of the client's direction (Up) from a pipe the
// test writes to, recording messages; stop closes the source and waits for
// Run to return.
type testRelay struct {
	*Relay
	in   *io.PipeWriter
	out  *sink
	msgs chan session.Message
	done chan struct{}
}

func startRelay(t *testing.T, limit int, cfg RelayConfig) *testRelay {
	return startRelayTap(t, Config{Limit: limit}, cfg)
}

// startRelayTap is startRelay with the tap's Config (Dir, Emit set).
func startRelayTap(t *testing.T, tc Config, cfg RelayConfig) *testRelay {
	t.Helper()
	return startRelayWith(t, tc, cfg, nil)
}

// startRelayWith is startRelayTap with setup called on the relay before
// it runs.
func startRelayWith(t *testing.T, tc Config, cfg RelayConfig, setup func(*Relay)) *testRelay {
	t.Helper()
	pr, pw := io.Pipe()
	tr := &testRelay{in: pw, out: newSink(), msgs: make(chan session.Message, 64), done: make(chan struct{})}
	tc.Dir, tc.Emit = session.Up, func(m session.Message) { tr.msgs <- m }
	tap := NewTap(tc)
	tr.Relay = NewRelay(tap, pr, tr.out, cfg)
	if setup != nil {
		setup(tr.Relay)
	}
	go func() { tr.Run(context.Background()); close(tr.done) }()
	t.Cleanup(func() { pw.Close(); tr.stop(t) })
	return tr
}

func (tr *testRelay) write(t *testing.T, b []byte) {
	t.Helper()
	if _, err := tr.in.Write(b); err != nil {
		t.Fatal(err)
	}
}

func (tr *testRelay) stop(t *testing.T) {
	t.Helper()
	tr.in.Close()
	select {
	case <-tr.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the relay did not end after its source closed")
	}
}

func (tr *testRelay) message(t *testing.T) session.Message {
	t.Helper()
	select {
	case m := <-tr.msgs:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no message recorded after 10s")
		return session.Message{}
	}
}
