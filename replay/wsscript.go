package replay

import (
	"context"
	"fmt"
	"time"

	"github.com/coder/websocket"

	"github.com/siphonproxy/siphon/session"
)

// script is the client's side of a recorded WebSocket conversation: its
// messages, the wait before each, and the wait after the last one when
// the client never closed.
type script struct {
	msgs  []session.Message
	waits []time.Duration
	tail  time.Duration
}

// newScript times up, the client messages of f, from the moment the
// server accepted the upgrade (the response's first byte) as recorded.
// atOnce sends the data messages one after another without waiting; a
// close still waits its recorded time after the message before it, so
// that the server's answers arrive before it (the WebSocket library
// drops what comes after a close it sent).
func newScript(f *session.Flow, up []session.Message, atOnce bool) *script {
	s := &script{msgs: up, waits: make([]time.Duration, len(up))}
	prev := f.Timings.FirstByte
	for i, m := range up {
		if (!atOnce || m.Opcode == session.OpClose) && !prev.IsZero() && m.Time > prev {
			s.waits[i] = time.Duration(m.Time - prev)
		}
		if !m.Time.IsZero() {
			prev = m.Time
		}
	}
	closed := len(up) > 0 && up[len(up)-1].Opcode == session.OpClose
	if !closed && f.Stream != nil && !f.Stream.Closed.IsZero() && !prev.IsZero() {
		// The server had this long after the client's last message: it
		// may have answered, or closed by itself.
		if end := session.StampOf(f.Stream.Closed); end > prev {
			s.tail = min(time.Duration(end-prev), maxTail)
		}
	}
	return s
}

// length is how long the script waits in all.
func (s *script) length() time.Duration {
	d := s.tail
	for _, w := range s.waits {
		d += w
	}
	return d
}

// run sends the messages on conn, each after its wait, and closes the
// connection: with the recorded close, or normally after the tail. It
// returns how many messages it sent (a close included).
func (s *script) run(ctx context.Context, conn *websocket.Conn) (sent int, err error) {
	for i, m := range s.msgs {
		if err := sleep(ctx, s.waits[i]); err != nil {
			return sent, fmt.Errorf("replay WebSocket: %d of %d messages sent: %w", sent, len(s.msgs), err)
		}
		if m.Opcode == session.OpClose {
			code, reason, ok := m.CloseStatus()
			if !ok || code == 1005 {
				code, reason = int(websocket.StatusNormalClosure), ""
			}
			// A server that closed first makes this close fail; the
			// conversation is over either way.
			conn.Close(websocket.StatusCode(code), reason)
			return sent + 1, nil
		}
		typ := websocket.MessageText
		if m.Opcode == session.OpBinary {
			typ = websocket.MessageBinary
		}
		if err := conn.Write(ctx, typ, m.Data); err != nil {
			return sent, fmt.Errorf("replay WebSocket: message %d (%d of %d sent): %w", m.Seq, sent, len(s.msgs), err)
		}
		sent++
	}
	if err := sleep(ctx, s.tail); err != nil {
		return sent, fmt.Errorf("replay WebSocket: waiting for the server: %w", err)
	}
	conn.Close(websocket.StatusNormalClosure, "")
	return sent, nil
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
