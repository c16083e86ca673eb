package main

import (
	"bufio"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/session"
)

// rawWSOrigin is a TCP origin that completes a WebSocket handshake by hand
// (accepting the extensions the client asks for, as they are) and then reads every byte the
// client's side sends until it closes, so a test can send frames no
// WebSocket library would and see what siphon relayed.
type rawWSOrigin struct {
	addr string
	got  chan []byte // what each connection received after its handshake
}

func startRawWSOrigin(t *testing.T) *rawWSOrigin {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	o := &rawWSOrigin{addr: l.Addr().String(), got: make(chan []byte, 16)}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go o.serve(c)
		}
	}()
	return o
}

func (o *rawWSOrigin) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		o.got <- nil
		return
	}
	fmt.Fprintf(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n", testutil.WSAccept(req.Header.Get("Sec-WebSocket-Key")))
	if ext := req.Header.Get("Sec-WebSocket-Extensions"); ext != "" {
		io.WriteString(c, "Sec-WebSocket-Extensions: "+ext+"\r\n")
	}
	io.WriteString(c, "\r\n")
	b, _ := io.ReadAll(br)
	o.got <- b
}

// deflateBomb is one compressed message whose payload inflates to n zero
// bytes (RFC 7692: a sync flush without its last 4 bytes).
func deflateBomb(t *testing.T, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	zeros := make([]byte, 1<<20)
	for range n >> 20 {
		w.Write(zeros)
	}
	w.Flush()
	return bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff})
}

// peakRSS returns the peak resident set of a process in KiB, or -1 where
// /proc does not tell.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return -1
}

// TestWebSocketBadInputRelayedAndNoted is acceptance 6 of issue 12: frames
// a careful peer rejects pass through siphon unchanged (the endpoint that
// receives them closes the connection as RFC 6455 says), each is recorded
// with a note, siphon keeps its memory bounded and keeps serving.
func TestWebSocketBadInputRelayedAndNoted(t *testing.T) {
	origin := startRawWSOrigin(t)
	c := startDump(t, "", "--body-limit", "4KiB")
	hello := testutil.WSClientFrame(true, false, 1, []byte("hello"), false)
	cases := []struct {
		name   string
		ext    string // the extensions asked for and accepted
		frames []byte
		note   string // in the last message's note
		size   int64  // of the last message, when checked
	}{
		{name: "opcode", frames: testutil.WSClientFrame(true, false, 3, []byte("x"), false), note: "bad opcode 3"},
		{name: "unmasked", frames: testutil.WSClientFrame(true, false, 1, []byte("plain"), true), note: "unmasked client frame"},
		{name: "bigping", frames: testutil.WSClientFrame(true, false, 9, bytes.Repeat([]byte("p"), 126), false), note: "oversized control frame"},
		{name: "fragping", frames: testutil.WSClientFrame(false, false, 9, []byte("p"), false), note: "fragmented control frame"},
		{name: "utf8", frames: testutil.WSClientFrame(true, false, 1, []byte("bad \xff\xfe text"), false), note: "not valid UTF-8"},
		{name: "bomb", ext: "permessage-deflate", frames: testutil.WSClientFrame(true, true, 2, deflateBomb(t, 128<<20), false), note: "deflate bomb"},
		// An extensions header siphon cannot read: the compressed message
		// is kept as sent, and the flow says why first.
		{name: "badext", ext: "permessage-deflate; server_max_window_bits=99", frames: testutil.WSClientFrame(true, true, 2, deflateBomb(t, 1<<20), false), note: "compressed by an extension siphon does not decode"},
	}
	for _, tc := range cases {
		conn, err := net.Dial("tcp", c.addr)
		if err != nil {
			t.Fatal(err)
		}
		ext := ""
		if tc.ext != "" {
			ext = "Sec-WebSocket-Extensions: " + tc.ext + "\r\n"
		}
		fmt.Fprintf(conn, "GET http://%s/%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n%s\r\n",
			origin.addr, tc.name, origin.addr, ext)
		br := bufio.NewReader(conn)
		res, err := http.ReadResponse(br, nil)
		if err != nil || res.StatusCode != 101 {
			t.Fatalf("%s: handshake through siphon: %v %v", tc.name, res, err)
		}
		sent := append(append([]byte(nil), hello...), tc.frames...)
		if _, err := conn.Write(sent); err != nil {
			t.Fatal(err)
		}
		conn.(*net.TCPConn).CloseWrite()
		select {
		case got := <-origin.got:
			if !bytes.Equal(got, sent) {
				t.Errorf("%s: origin received %d bytes, want the %d sent unchanged", tc.name, len(got), len(sent))
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("%s: origin received nothing", tc.name)
		}
		conn.Close()
	}
	if kb := peakRSS(c.cmd.Process.Pid); kb > 120<<10 {
		t.Errorf("siphon's peak RSS is %d KiB after a 128 MiB deflate bomb", kb)
	}
	// siphon still serves a well-formed conversation.
	plain, _, _ := wsOrigins(t, wsEcho())
	ctx := wsCtx(t)
	conn := wsClient(t, ctx, c.addr, plain+"/after", nil, 0)
	converse(t, ctx, conn)

	store := stoppedSession(t, c)
	for _, tc := range cases {
		f, msgs := wsFlow(t, store, "http://"+origin.addr+"/"+tc.name)
		if tc.name == "badext" {
			if len(msgs) == 0 || !strings.Contains(msgs[0].Note, "Sec-WebSocket-Extensions cannot be read") {
				t.Errorf("badext: first message %+v, want a note on the extensions", msgs)
				continue
			}
			msgs = msgs[1:]
		}
		if len(msgs) != 2 || string(msgs[0].Data) != "hello" || msgs[0].Note != "" {
			t.Errorf("%s: stored %+v, want hello then a noted message", tc.name, msgs)
			continue
		}
		last := msgs[1]
		if last.Dir != session.Up || !strings.Contains(last.Note, tc.note) {
			t.Errorf("%s: last message %v %v note %q, want %q", tc.name, last.Dir, last.Opcode, last.Note, tc.note)
		}
		if tc.name == "bomb" && (len(last.Data) != 4<<10 || !last.Truncated || bytes.Count(last.Data, []byte{0}) != len(last.Data)) {
			t.Errorf("bomb: kept %d bytes (truncated %v) of %d", len(last.Data), last.Truncated, last.Size)
		}
		if f.State != session.Done || f.Stream == nil || f.Stream.BytesUp != int64(len(hello)+len(tc.frames)) {
			t.Errorf("%s: flow state %v stream %+v", tc.name, f.State, f.Stream)
		}
	}
}
