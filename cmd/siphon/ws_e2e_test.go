package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/siphonproxy/siphon/session"
)

// wsSent is one message a test client sends, in parts: more than one part
// is a fragmented message (a frame per part).
type wsSent struct {
	typ   websocket.MessageType
	parts []string
}

func (m wsSent) payload() string { return strings.Join(m.parts, "") }

// wsConversation is what each test conversation sends: text (not ASCII),
// binary with every byte value, a fragmented text, an empty binary, and a
// 300 KiB text (compressed, it is inflated by streaming).
func wsConversation() []wsSent {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	big := strings.Repeat(`{"tick":12345,"price":"99.5"},`, 300<<10/30)
	return []wsSent{
		{websocket.MessageText, []string{"hello, 世界"}},
		{websocket.MessageBinary, []string{string(all)}},
		{websocket.MessageText, []string{"frag", "ment", "ed"}},
		{websocket.MessageBinary, []string{""}},
		{websocket.MessageText, []string{big}},
	}
}

// converse sends each message and reads its echo, then closes with code
// 4001, and returns the messages the session should hold, in order.
func converse(t *testing.T, ctx context.Context, conn *websocket.Conn) []session.Message {
	t.Helper()
	var want []session.Message
	for i, m := range wsConversation() {
		w, err := conn.Writer(ctx, m.typ)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m.parts {
			if _, err := w.Write([]byte(p)); err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		typ, got, err := conn.Read(ctx)
		if err != nil || typ != m.typ || string(got) != m.payload() {
			t.Fatalf("echo of message %d: %v %d bytes %v", i, typ, len(got), err)
		}
		op := session.Opcode(m.typ)
		want = append(want, session.Message{Dir: session.Up, Opcode: op, Data: []byte(m.payload())},
			session.Message{Dir: session.Down, Opcode: op, Data: []byte(m.payload())})
	}
	if err := conn.Close(4001, "done"); err != nil {
		t.Fatalf("close: %v", err)
	}
	closing := session.ClosePayload(4001, "done")
	return append(want, session.Message{Dir: session.Up, Opcode: session.OpClose, Data: closing},
		session.Message{Dir: session.Down, Opcode: session.OpClose, Data: closing})
}

// checkMessages compares the stored messages with want (direction,
// opcode, exact payload, nothing truncated or noted).
func checkMessages(t *testing.T, what string, got, want []session.Message) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d messages stored, want %d", what, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		g, w := got[i], want[i]
		if g.Seq != int64(i+1) || g.Dir != w.Dir || g.Opcode != w.Opcode || !bytes.Equal(g.Data, w.Data) ||
			g.Size != int64(len(w.Data)) || g.Truncated || g.Note != "" || g.Time.IsZero() {
			t.Errorf("%s: message %d = %v %v %d bytes (size %d, truncated %v, note %q), want %v %v %d bytes",
				what, i+1, g.Dir, g.Opcode, len(g.Data), g.Size, g.Truncated, g.Note, w.Dir, w.Opcode, len(w.Data))
		}
	}
}

// wsCase is one conversation: a URL and the compression the client offers.
type wsCase struct {
	url  string
	mode websocket.CompressionMode
}

func wsCases(plain, secure string) []wsCase {
	return []wsCase{
		{plain + "/ws/1", websocket.CompressionDisabled},
		{plain + "/ws/2", websocket.CompressionContextTakeover},
		{secure + "/ws/3", websocket.CompressionNoContextTakeover},
		{secure + "/ws/4", websocket.CompressionContextTakeover},
	}
}

// runWSCases holds each conversation of cases through the siphon at proxy
// and returns the messages each should have stored.
func runWSCases(t *testing.T, proxy string, roots *x509.CertPool, cases []wsCase) [][]session.Message {
	var want [][]session.Message
	for _, tc := range cases {
		ctx := wsCtx(t)
		conn := wsClient(t, ctx, proxy, tc.url, roots, tc.mode)
		want = append(want, converse(t, ctx, conn))
	}
	return want
}

// TestWebSocketMessagesCaptured is acceptance 1 of issue 12: a real client
// and server through siphon, plain and MITM, with and without
// permessage-deflate: every message is in the session with its direction
// and exact payload, and the frame counts are the flow's.
func TestWebSocketMessagesCaptured(t *testing.T) {
	plain, secure, originCA := wsOrigins(t, wsEcho())
	home := t.TempDir()
	roots, _ := siphonCA(t, home)
	c := startDump(t, home, "--upstream-ca", originCA)
	cases := wsCases(plain, secure)
	want := runWSCases(t, c.addr, roots, cases)
	store := stoppedSession(t, c)
	for i, tc := range cases {
		f, got := wsFlow(t, store, strings.Replace(tc.url, "ws", "http", 1))
		checkMessages(t, tc.url, got, want[i])
		if s := f.Stream; s == nil || s.FramesUp < 8 || s.FramesDown < 6 || f.State != session.Done {
			t.Errorf("%s: state %v stream %+v", tc.url, f.State, s)
		}
		if st := store.MessageStats(f.ID); st.Stored != int64(len(want[i])) || st.Capped() {
			t.Errorf("%s: message stats %+v", tc.url, st)
		}
	}
	// The captured messages export to HAR as Chrome's _webSocketMessages.
	out, stderr, code := runSiphon(t, "export", "--format", "har", c.session)
	if code != 0 {
		t.Fatalf("siphon export --format har: %d %s", code, stderr)
	}
	var har struct {
		Log struct {
			Entries []struct {
				Messages []struct {
					Type string `json:"type"`
					Data string `json:"data"`
				} `json:"_webSocketMessages"`
			} `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal([]byte(out), &har); err != nil {
		t.Fatal(err)
	}
	for i, e := range har.Log.Entries {
		if len(e.Messages) != len(want[i]) || e.Messages[0].Type != "send" || e.Messages[0].Data != "hello, 世界" || e.Messages[1].Type != "receive" {
			t.Errorf("HAR entry %d has %d messages, want %d", i, len(e.Messages), len(want[i]))
		}
	}
}

// TestWebSocketMessagesThroughUpstream captures messages in a siphon that
// sends its traffic through another siphon (--upstream), plain and MITM.
func TestWebSocketMessagesThroughUpstream(t *testing.T) {
	plain, secure, originCA := wsOrigins(t, wsEcho())
	upHome := t.TempDir()
	_, upCA := siphonCA(t, upHome)
	upstream := startDump(t, upHome, "--upstream-ca", originCA)
	home := t.TempDir()
	roots, _ := siphonCA(t, home)
	c := startDump(t, home, "--upstream", "http://"+upstream.addr, "--upstream-ca", upCA)
	cases := wsCases(plain, secure)[1:3]
	want := runWSCases(t, c.addr, roots, cases)
	store := stoppedSession(t, c)
	for i, tc := range cases {
		_, got := wsFlow(t, store, strings.Replace(tc.url, "ws", "http", 1))
		checkMessages(t, tc.url, got, want[i])
	}
}

// TestWebSocketTenThousandMessages sends 10,000 messages at full speed
// while the echoes come back: none is lost, in either direction.
func TestWebSocketTenThousandMessages(t *testing.T) {
	plain, _, _ := wsOrigins(t, wsEcho())
	c := startDump(t, "")
	ctx := wsCtx(t)
	u := plain + "/many"
	conn := wsClient(t, ctx, c.addr, u, nil, websocket.CompressionDisabled)
	const n = 10_000
	msg := func(i int) string { return fmt.Sprintf("message %d %s", i, strings.Repeat("z", i%50)) }
	sent := make(chan error, 1)
	go func() {
		for i := range n {
			if err := conn.Write(ctx, websocket.MessageText, []byte(msg(i))); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	for i := range n {
		_, got, err := conn.Read(ctx)
		if err != nil || string(got) != msg(i) {
			t.Fatalf("echo %d: %q %v", i, got, err)
		}
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	conn.Close(websocket.StatusNormalClosure, "")
	store := stoppedSession(t, c)
	_, got := wsFlow(t, store, "http"+strings.TrimPrefix(u, "ws"))
	next := [2]int{}
	for _, m := range got {
		if m.Opcode != session.OpText {
			continue
		}
		i := &next[m.Dir]
		if string(m.Data) != msg(*i) {
			t.Fatalf("%v message %d: %q", m.Dir, *i, m.Data)
		}
		*i++
	}
	if next != [2]int{n, n} || len(got) != 2*n+2 {
		t.Errorf("stored %d up and %d down text messages, %d in all; want %d each and 2 closes", next[0], next[1], len(got), n)
	}
}
