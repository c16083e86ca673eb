package mitm

import (
	"bufio"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/session"
)

// rawWSOrigin completes WebSocket handshakes by hand (accepting the
// extensions asked for) and hands over every byte each connection then
// receives, so that a test can send frames no library would.
func rawWSOrigin(t *testing.T) (addr string, got <-chan []byte) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	ch := make(chan []byte, 16)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(30 * time.Second))
				br := bufio.NewReader(c)
				req, err := http.ReadRequest(br)
				if err != nil {
					ch <- nil
					return
				}
				fmt.Fprintf(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n",
					testutil.WSAccept(req.Header.Get("Sec-WebSocket-Key")))
				if ext := req.Header.Get("Sec-WebSocket-Extensions"); ext != "" {
					io.WriteString(c, "Sec-WebSocket-Extensions: "+ext+"\r\n")
				}
				io.WriteString(c, "\r\n")
				b, _ := io.ReadAll(br)
				ch <- b
			}()
		}
	}()
	return l.Addr().String(), ch
}

// bomb is one compressed message that inflates to n zero bytes.
func bomb(n int) []byte {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	zeros := make([]byte, 1<<20)
	for range n >> 20 {
		w.Write(zeros)
	}
	w.Flush()
	return bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff})
}

// TestWebSocketBadInputWithMessageRules checks that with a message rule
// in force (so frames are relayed one by one, not copied), frames a
// careful peer rejects still reach the origin unchanged, each noted, and
// the relay ends when the client does: no crash, no hang.
func TestWebSocketBadInputWithMessageRules(t *testing.T) {
	addr, got := rawWSOrigin(t)
	e := rulesEngine(t, intercept.Config{}, `
- name: every message
  match: ~websocket
  rewrite: {messages: {body-replace: [{regex: never seen, replace: x}]}}
`)
	tp := startProxy(t, Config{Decider: e, BodyLimit: 4 << 10})
	hello := testutil.WSClientFrame(true, false, 1, []byte("hello"), false)
	cases := []struct {
		name, ext string
		frames    []byte
		note      string
	}{
		{name: "opcode", frames: testutil.WSClientFrame(true, false, 3, []byte("x"), false), note: "bad opcode 3"},
		{name: "unmasked", frames: testutil.WSClientFrame(true, false, 1, []byte("plain"), true), note: "unmasked client frame"},
		{name: "bigping", frames: testutil.WSClientFrame(true, false, 9, bytes.Repeat([]byte("p"), 126), false), note: "oversized control frame"},
		{name: "fragping", frames: testutil.WSClientFrame(false, false, 9, []byte("p"), false), note: "fragmented control frame"},
		{name: "utf8", frames: testutil.WSClientFrame(true, false, 1, []byte("bad \xff\xfe text"), false), note: "not valid UTF-8"},
		{name: "bomb", ext: "permessage-deflate", frames: testutil.WSClientFrame(true, true, 2, bomb(96<<20), false), note: "deflate bomb"},
		{name: "cut", frames: testutil.WSClientFrame(true, false, 2, []byte("cut short"), false)[:8], note: "ended before the message's last frame"},
	}
	for _, tc := range cases {
		conn, err := net.Dial("tcp", tp.addr)
		if err != nil {
			t.Fatal(err)
		}
		ext := ""
		if tc.ext != "" {
			ext = "Sec-WebSocket-Extensions: " + tc.ext + "\r\n"
		}
		fmt.Fprintf(conn, "GET http://%s/%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n%s\r\n",
			addr, tc.name, addr, ext)
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil || res.StatusCode != 101 {
			t.Fatalf("%s: handshake: %v %v", tc.name, res, err)
		}
		sent := append(bytes.Clone(hello), tc.frames...)
		if _, err := conn.Write(sent); err != nil {
			t.Fatal(err)
		}
		conn.(*net.TCPConn).CloseWrite()
		select {
		case b := <-got:
			if !bytes.Equal(b, sent) {
				t.Errorf("%s: the origin received %d bytes, want the %d sent unchanged", tc.name, len(b), len(sent))
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: the origin received nothing", tc.name)
		}
		conn.Close()
		u := "http://" + addr + "/" + tc.name
		f := tp.rec.wait(t, tc.name+" ended", finalFor(u))
		waitMessage(t, tp, f.ID, tc.name+" noted", func(m session.Message) bool { return strings.Contains(m.Note, tc.note) })
		if msgs := tp.rec.messages(f.ID); len(msgs) != 2 || string(msgs[0].Data) != "hello" || msgs[0].Action != "" {
			t.Errorf("%s: recorded %+v", tc.name, msgs)
		}
	}
	// Each hello was decided (the rule matched it and replaced nothing).
	if hits := e.Rules()[0].Hits; hits < int64(len(cases)) {
		t.Errorf("the rule was asked about %d messages, want at least %d: the frames were not relayed one by one", hits, len(cases))
	}
}
