package wsmsg

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/session"
)

// relay is a loopback TCP relay in the way siphon's proxy relays a
// WebSocket after the 101 response: each direction is copied through a
// TeeReader into its tap, so the tap sees the bytes as they pass.
func relay(t *testing.T, origin string, emit func(session.Message)) (addr string, negotiated <-chan Extensions) {
	exts := make(chan Extensions, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		client, err := ln.Accept()
		if err != nil {
			return
		}
		defer client.Close()
		server, err := net.Dial("tcp", origin)
		if err != nil {
			return
		}
		defer server.Close()
		cr, sr := bufio.NewReader(client), bufio.NewReader(server)
		req, err := http.ReadRequest(cr)
		if err != nil || req.Write(server) != nil {
			return
		}
		res, err := http.ReadResponse(sr, req)
		if err != nil || res.Write(client) != nil {
			return
		}
		up, down, err := NewTaps(res.Header, Config{Emit: emit})
		if err != nil {
			t.Error(err)
		}
		exts <- up.cfg.Extensions
		var wg sync.WaitGroup
		for _, d := range []struct {
			tap *Tap
			src io.Reader
			dst net.Conn
		}{{up, cr, server}, {down, sr, client}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				io.Copy(d.dst, io.TeeReader(d.src, d.tap))
				d.tap.Close()
				d.dst.(*net.TCPConn).CloseWrite()
			}()
		}
		wg.Wait()
	}()
	return ln.Addr().String(), exts
}

// TestTapOnALiveRelay checks the taps while the conversation runs: each
// message is emitted as soon as its frames have passed, before the
// connection ends, and the peers get exactly the bytes they sent.
func TestTapOnALiveRelay(t *testing.T) {
	for _, mode := range []websocket.CompressionMode{websocket.CompressionDisabled, websocket.CompressionContextTakeover} {
		origin, _ := echoServer(t, mode)
		u, _ := url.Parse(origin)
		msgs := make(chan session.Message, 16)
		addr, negotiated := relay(t, u.Host, func(m session.Message) { msgs <- m })
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		c, _, err := websocket.Dial(ctx, "ws://"+addr+"/", &websocket.DialOptions{CompressionMode: mode, CompressionThreshold: 16})
		if err != nil {
			t.Fatal(err)
		}
		if ext := testutil.Receive(t, negotiated, "the handshake"); (ext.Deflate != nil) != (mode != websocket.CompressionDisabled) {
			t.Fatalf("mode %v: negotiated %+v", mode, ext)
		}
		for _, text := range []string{"first message, long enough to be compressed", "second"} {
			if err := c.Write(ctx, websocket.MessageText, []byte(text)); err != nil {
				t.Fatal(err)
			}
			if _, echo, err := c.Read(ctx); err != nil || string(echo) != text {
				t.Fatalf("echo %q, %v", echo, err)
			}
			seen := map[session.Direction]bool{}
			for range 2 {
				m := testutil.Receive(t, msgs, "a message of the open connection")
				if string(m.Data) != text || m.Note != "" {
					t.Fatalf("mode %v: %v %q note %q", mode, m.Dir, m.Data, m.Note)
				}
				seen[m.Dir] = true
			}
			if !seen[session.Up] || !seen[session.Down] {
				t.Fatalf("mode %v: directions %v", mode, seen)
			}
		}
		c.Close(websocket.StatusNormalClosure, "")
		cancel()
	}
}
