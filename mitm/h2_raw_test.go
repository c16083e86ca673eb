package mitm

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// dialTLS opens a tunnel to target through the proxy with CONNECT and
// runs a TLS handshake with cfg inside it. The handshake's error is
// returned, the connection closed then.
func (tp *testProxy) dialTLS(t *testing.T, target string, cfg *tls.Config) (*tls.Conn, error) {
	t.Helper()
	raw, err := net.Dial("tcp", tp.addr)
	if err != nil {
		t.Fatal(err)
	}
	raw.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(raw, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target)
	br := bufio.NewReader(raw)
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != 200 || br.Buffered() > 0 {
		raw.Close()
		t.Fatalf("CONNECT %s: %v %v", target, res, err)
	}
	conn := tls.Client(raw, cfg)
	if err := conn.Handshake(); err != nil {
		raw.Close()
		return nil, err
	}
	t.Cleanup(func() { conn.Close() })
	return conn, nil
}

// rawH2 is an HTTP/2 client that writes frames by hand, to send what no
// real client sends.
type rawH2 struct {
	t    *testing.T
	conn *tls.Conn
	fr   *http2.Framer // reads; writes go through write
	wmu  sync.Mutex    // the framer's writes and the encoder
	hbuf bytes.Buffer
	enc  *hpack.Encoder
}

// write runs fn with the framer, which writes from one goroutine at a time.
func (c *rawH2) write(fn func(fr *http2.Framer) error) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return fn(c.fr)
}

// rawH2 opens an h2 connection to target through the proxy. Unless
// noPreface, it sends the client preface and an empty SETTINGS frame.
func (tp *testProxy) rawH2(t *testing.T, target string, noPreface bool) *rawH2 {
	t.Helper()
	host, _, _ := net.SplitHostPort(target)
	conn, err := tp.dialTLS(t, target, &tls.Config{
		RootCAs: tp.minter.CA().Pool(), NextProtos: []string{"h2"}, ServerName: host,
	})
	if err != nil {
		t.Fatal(err)
	}
	if p := conn.ConnectionState().NegotiatedProtocol; p != "h2" {
		t.Fatalf("negotiated %q, want h2", p)
	}
	c := &rawH2{t: t, conn: conn, fr: http2.NewFramer(conn, conn)}
	c.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	c.fr.MaxHeaderListSize = 16 << 20
	c.enc = hpack.NewEncoder(&c.hbuf)
	if !noPreface {
		io.WriteString(conn, http2.ClientPreface)
		c.fr.WriteSettings()
	}
	return c
}

// block encodes header fields, given as name, value pairs.
func (c *rawH2) block(fields ...string) []byte {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.hbuf.Reset()
	for i := 0; i+1 < len(fields); i += 2 {
		c.enc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
	}
	return bytes.Clone(c.hbuf.Bytes())
}

// get sends a GET for path on stream id, ending the stream.
func (c *rawH2) get(id uint32, authority, path string) error {
	b := c.block(":method", "GET", ":scheme", "https", ":authority", authority, ":path", path)
	return c.write(func(fr *http2.Framer) error {
		return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, EndStream: true, EndHeaders: true, BlockFragment: b})
	})
}

// until reads frames, answering SETTINGS and PINGs, until ok is true of
// one (returned) or the connection ends (nil and the error).
func (c *rawH2) until(ok func(http2.Frame) bool) (http2.Frame, error) {
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			var se http2.StreamError
			if errors.As(err, &se) {
				continue // a frame the framer refused: not ours to judge
			}
			return nil, err
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				c.write(func(fr *http2.Framer) error { return fr.WriteSettingsAck() })
			}
		case *http2.PingFrame:
			if !f.IsAck() {
				c.write(func(fr *http2.Framer) error { return fr.WritePing(true, f.Data) })
			}
		}
		if ok(f) {
			return f, nil
		}
	}
}

// status waits for the response headers of stream id and returns their
// :status ("" when the stream was reset: then the reset's code).
func (c *rawH2) status(id uint32) (string, http2.ErrCode) {
	c.t.Helper()
	f, err := c.until(func(f http2.Frame) bool {
		switch f.(type) {
		case *http2.MetaHeadersFrame, *http2.RSTStreamFrame:
			return f.Header().StreamID == id
		case *http2.GoAwayFrame:
			return true
		}
		return false
	})
	switch f := f.(type) {
	case *http2.MetaHeadersFrame:
		return f.PseudoValue("status"), 0
	case *http2.RSTStreamFrame:
		return "", f.ErrCode
	case *http2.GoAwayFrame:
		c.t.Fatalf("stream %d: GOAWAY %v %q", id, f.ErrCode, f.DebugData())
	}
	c.t.Fatalf("stream %d: %v", id, err)
	return "", 0
}

// closed reads until the proxy ends the connection (a GOAWAY, then EOF).
func (c *rawH2) closed() {
	c.t.Helper()
	if _, err := c.until(func(http2.Frame) bool { return false }); err == nil || isTimeout(err) {
		c.t.Fatalf("the connection stayed open: %v", err)
	}
}

// leakCheck returns a function that fails the test unless the number of
// goroutines falls back to what it is now within ten seconds, once idle
// connections are closed by closeIdle. There is no event to wait on, so
// it polls.
func leakCheck(t *testing.T, closeIdle func()) func() {
	before := runtime.NumGoroutine()
	return func() {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for n := runtime.NumGoroutine(); n > before; n = runtime.NumGoroutine() {
			closeIdle()
			if time.Now().After(deadline) {
				pprof.Lookup("goroutine").WriteTo(os.Stderr, 1)
				t.Fatalf("%d goroutines left behind (%d before, %d after)", n-before, before, n)
			}
			<-tick.C
		}
	}
}
