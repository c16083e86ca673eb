package wsmsg

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/siphonproxy/siphon/session"
)

// recConn records the bytes of each direction of a client's connection.
type recConn struct {
	net.Conn
	mu       sync.Mutex
	up, down bytes.Buffer
}

func (c *recConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.down.Write(p[:n])
	c.mu.Unlock()
	return n, err
}

func (c *recConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.up.Write(p)
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// wire is what a real conversation put on the wire after the handshake.
type wire struct {
	up, down []byte
	ext      Extensions
	extRaw   string
}

// echoServer echoes every message in one frame until the client closes.
func echoServer(t *testing.T, mode websocket.CompressionMode) (url string, done <-chan struct{}) {
	t.Helper()
	ch := make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer once.Do(func() { close(ch) })
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: mode, CompressionThreshold: 16})
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(1 << 24)
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if c.Write(r.Context(), typ, msg) != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http"), ch
}

// converse runs script with a real client against a real echo server on
// loopback and returns the bytes each way after the handshake.
func converse(t *testing.T, mode websocket.CompressionMode, script func(ctx context.Context, c *websocket.Conn)) wire {
	t.Helper()
	url, done := echoServer(t, mode)
	rc := make(chan *recConn, 1)
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		r := &recConn{Conn: c}
		rc <- r
		return r, nil
	}}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: client, CompressionMode: mode, CompressionThreshold: 16})
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(1 << 24)
	script(ctx, c)
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("server did not finish")
	}
	r := <-rc
	r.mu.Lock()
	defer r.mu.Unlock()
	up, down := r.up.Bytes(), r.down.Bytes()
	i, j := bytes.Index(up, []byte("\r\n\r\n")), bytes.Index(down, []byte("\r\n\r\n"))
	if i < 0 || j < 0 {
		t.Fatalf("no handshake in %q / %q", up, down)
	}
	res, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(down[:j+4])), nil)
	if err != nil {
		t.Fatal(err)
	}
	w := wire{up: bytes.Clone(up[i+4:]), down: bytes.Clone(down[j+4:])}
	w.extRaw = strings.Join(res.Header.Values("Sec-WebSocket-Extensions"), ", ")
	if w.ext, err = ParseExtensions(res.Header.Values("Sec-WebSocket-Extensions")...); err != nil {
		t.Fatal(err)
	}
	return w
}

// tapAll feeds b to a new tap in pieces of the given sizes (cycled; all at
// once when sizes is empty) and returns the messages and the tap.
func tapAll(cfg Config, b []byte, sizes ...int) ([]session.Message, *Tap) {
	var got []session.Message
	cfg.Emit = func(m session.Message) { got = append(got, m) }
	tp := NewTap(cfg)
	for i := 0; len(b) > 0; i++ {
		n := len(b)
		if len(sizes) > 0 {
			n = min(sizes[i%len(sizes)], len(b))
		}
		tp.Write(b[:n])
		b = b[n:]
	}
	tp.Close()
	return got, tp
}
