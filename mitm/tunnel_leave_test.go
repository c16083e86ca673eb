package mitm

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/session"
)

// A client that leaves a WebSocket first ends its flow, even when the
// origin sees the EOF but keeps its end open (as a server waiting for a
// close frame or its own idle timeout does): the relay used to wait for
// the origin for ever, and Proxy.Close with it.
func TestWebSocketEndsWhenClientLeavesFirst(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				req, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				fmt.Fprintf(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
					testutil.WSAccept(req.Header.Get("Sec-WebSocket-Key")))
				io.Copy(io.Discard, br)
				<-release // keeps its end open after the EOF
			}()
		}
	}()
	addr := l.Addr().String()
	tp := startProxy(t, Config{})
	conn, err := net.Dial("tcp", tp.addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "GET http://%s/x HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", addr, addr)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %v %v", res, err)
	}
	conn.Close()
	deadline := time.After(15 * time.Second)
	for {
		tp.rec.mu.Lock()
		ended := false
		for _, f := range tp.rec.flows {
			if f.Kind == session.WebSocket && f.Stream != nil && !f.Stream.Closed.IsZero() {
				ended = true
			}
		}
		tp.rec.mu.Unlock()
		if ended {
			return
		}
		select {
		case <-tp.rec.changed:
		case <-deadline:
			t.Fatalf("the WebSocket flow is still open %v after the client left", 15*time.Second)
		}
	}
}
