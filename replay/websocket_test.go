package replay

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/session"
)

// newWSEchoOrigin is a recording origin that echoes WebSocket messages.
func newWSEchoOrigin(t *testing.T) *echoOrigin {
	t.Helper()
	return &echoOrigin{testutil.NewRecordingOrigin(t, true, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionContextTakeover})
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil || c.Write(r.Context(), typ, msg) != nil {
				return
			}
		}
	}))}
}

func upMessages(msgs []session.Message) []session.Message {
	var out []session.Message
	for _, m := range msgs {
		if m.Dir == session.Up {
			out = append(out, m)
		}
	}
	return out
}

// TestReplayWebSocketConversation is acceptance 3 of issue 12: a captured
// conversation replayed through siphon reaches the echo server with the
// same handshake headers (less the key) and is captured as a replay flow
// with the same client messages, with and without the original gaps.
func TestReplayWebSocketConversation(t *testing.T) {
	origin := newWSEchoOrigin(t)
	c := startCapture(t, origin)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	u := "wss" + strings.TrimPrefix(origin.URL, "https") + "/chat?room=7"
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPClient: &http.Client{Transport: c.client()}, HTTPHeader: http.Header{"X-Token": {"abc"}},
		CompressionMode: websocket.CompressionContextTakeover, Subprotocols: []string{"chat.v1"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		typ  websocket.MessageType
		data string
	}{{websocket.MessageText, "one"}, {websocket.MessageBinary, "\x00two\xff"}, {websocket.MessageText, strings.Repeat("three ", 100)}} {
		if err := conn.Write(ctx, m.typ, []byte(m.data)); err != nil {
			t.Fatal(err)
		}
		if _, got, err := conn.Read(ctx); err != nil || string(got) != m.data {
			t.Fatalf("echo: %q %v", got, err)
		}
	}
	conn.Close(4002, "bye")
	first := origin.next(t)
	orig := c.waitFlows(t, 1, func(f *session.Flow) bool { return f.Kind == session.WebSocket })[0]
	msgs, err := c.store.Messages(orig.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	wantUp := upMessages(msgs)
	if len(wantUp) != 4 {
		t.Fatalf("captured client messages: %+v", wantUp)
	}
	s := c.sender(t)
	// Send replays a WebSocket when the config says where its messages
	// are (as the TUI's and MCP's senders do).
	viaSend, err := NewSender(SenderConfig{Proxy: c.addr, RootCAs: c.caPool, Marker: c.marker, Timeout: 20 * time.Second, AtOnce: true,
		Messages: func(id string) ([]session.Message, error) { return c.store.Messages(id, 0, 100) }})
	if err != nil {
		t.Fatal(err)
	}
	defer viaSend.Close()
	if res := s.Send(ctx, orig); !errors.Is(res.Err, ErrNotHTTP) {
		t.Errorf("Send of a WebSocket without Messages: %v, want ErrNotHTTP", res.Err)
	}
	for i, atOnce := range []bool{false, true} {
		var res Result
		if atOnce {
			res = viaSend.Send(ctx, orig)
		} else {
			res = s.SendWebSocket(ctx, orig, msgs, false)
		}
		// The client reads the echoes that come before its close (the
		// library drops later ones): how many is up to timing.
		if res.Err != nil || res.Status != 101 || res.Sent != 4 || res.FlowID == "" || res.Size > int64(3+5+600) {
			t.Fatalf("replay (at once %v): %+v", atOnce, res)
		}
		again := origin.next(t)
		first.Header.Del("Sec-Websocket-Key")
		again.Header.Del("Sec-Websocket-Key")
		if again.URL != first.URL || again.Header.Get("X-Token") != "abc" || again.Header.Get("Sec-Websocket-Protocol") != "chat.v1" ||
			!strings.Contains(again.Header.Get("Sec-Websocket-Extensions"), "permessage-deflate") {
			t.Errorf("replayed handshake %s %v, want %s %v", again.URL, again.Header, first.URL, first.Header)
		}
		replays := c.waitFlows(t, i+1, isSource(session.Replay))
		f := replays[len(replays)-1]
		if f.ID != res.FlowID || f.Kind != session.WebSocket || f.Request.URL != orig.Request.URL {
			t.Fatalf("replay flow %s %v %s, want %s", f.ID, f.Kind, f.Request.URL, res.FlowID)
		}
		got, err := c.store.Messages(f.ID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if down := len(got) - len(upMessages(got)); down != 4 {
			t.Errorf("replay flow has %d server messages, want 3 echoes and a close", down)
		}
		gotUp := upMessages(got)
		if len(gotUp) != len(wantUp) {
			t.Fatalf("replay flow has %d client messages, want %d", len(gotUp), len(wantUp))
		}
		for j := range wantUp {
			if gotUp[j].Opcode != wantUp[j].Opcode || !bytes.Equal(gotUp[j].Data, wantUp[j].Data) {
				t.Errorf("replayed client message %d: %v %q, want %v %q", j, gotUp[j].Opcode, gotUp[j].Data, wantUp[j].Opcode, wantUp[j].Data)
			}
		}
	}
}

// TestReplayWebSocketScript checks the waits of a replay: the recorded
// gaps between client messages from the upgrade on (server messages do
// not count), none at once, and a tail until the recorded end when the
// client never closed.
func TestReplayWebSocketScript(t *testing.T) {
	t0 := session.StampOf(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	ms := func(n int) session.Stamp { return t0 + session.Stamp(n*int(time.Millisecond)) }
	f := &session.Flow{Kind: session.WebSocket, Timings: session.Timings{FirstByte: t0},
		Stream: &session.StreamStats{Closed: ms(500).Time()}}
	up := []session.Message{
		{Dir: session.Up, Opcode: session.OpText, Time: ms(100)},
		{Dir: session.Up, Opcode: session.OpText, Time: ms(350)},
	}
	s := newScript(f, up, false)
	if s.waits[0] != 100*time.Millisecond || s.waits[1] != 250*time.Millisecond || s.tail != 150*time.Millisecond {
		t.Errorf("waits %v tail %v, want [100ms 250ms] 150ms", s.waits, s.tail)
	}
	if s := newScript(f, up, true); s.waits[0] != 0 || s.waits[1] != 0 {
		t.Errorf("at once: waits %v", s.waits)
	}
	closing := append(up, session.Message{Dir: session.Up, Opcode: session.OpClose, Time: ms(400)})
	if s := newScript(f, closing, false); s.tail != 0 || s.waits[2] != 50*time.Millisecond {
		t.Errorf("with a close: waits %v tail %v", s.waits, s.tail)
	}
	if s := newScript(f, closing, true); s.waits[0] != 0 || s.waits[1] != 0 || s.waits[2] != 50*time.Millisecond {
		t.Errorf("with a close, at once: waits %v, want the close's own", s.waits)
	}
	f.Request = &session.Request{Method: "GET", URL: "http://x/"}
	cut := []session.Message{{Dir: session.Up, Opcode: session.OpText, Size: 10, Data: []byte("cut"), Truncated: true}}
	if _, err := clientMessages(f, cut); !errors.Is(err, ErrMessageTruncated) {
		t.Errorf("a truncated client message: %v, want ErrMessageTruncated", err)
	}
	if _, err := clientMessages(f, nil); err != nil {
		t.Errorf("no messages: %v", err)
	}
}
