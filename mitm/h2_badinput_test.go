package mitm

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/session"
	"golang.org/x/net/http2"
)

// Bad HTTP/2 input ends at most its own stream or connection: the proxy
// goes on serving the next client, and leaves no goroutine behind.
func TestHTTP2BadInputKeepsServing(t *testing.T) {
	arrived := make(chan string, 16)
	h2 := h2Origin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/upload") {
			arrived <- r.URL.Path
		}
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok "+r.URL.Path)
	}))
	tp := startProxy(t, Config{RootCAs: poolOf(h2.Certificate())})
	target := strings.TrimPrefix(h2.URL, "https://")
	var clients []*http.Client
	closeIdle := func() {
		for _, c := range clients {
			c.CloseIdleConnections()
		}
		tp.transport.CloseIdleConnections()
	}
	// normal makes an ordinary request with a new client.
	normal := func(t *testing.T, path string) {
		t.Helper()
		c := tp.h2Client()
		clients = append(clients, c)
		r := mustOK(t, get(c, h2.URL+path))
		if r.status != 200 || r.body != "ok "+path {
			t.Fatalf("the next client got %d %q", r.status, r.body)
		}
	}
	normal(t, "/warm")
	closeIdle()

	cases := []struct {
		name string
		bad  func(t *testing.T)
	}{
		{"malformed preface", func(t *testing.T) {
			c := tp.rawH2(t, target, true)
			io.WriteString(c.conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\nPRI * HTTP/2.0\r\n\r\n")
			c.closed()
		}},
		{"garbage frames", func(t *testing.T) {
			c := tp.rawH2(t, target, false)
			// DATA on stream 0, then bytes that are no frame at all.
			c.fr.WriteData(0, false, []byte("nonsense"))
			c.conn.Write([]byte("\xff\xff\xff\x09\x00\x00\x00\x00\x01garbage garbage garbage"))
			c.closed()
		}},
		{"invalid pseudo-header", func(t *testing.T) {
			c := tp.rawH2(t, target, false)
			for id, fields := range map[uint32][]string{
				1: {":method", "GET", ":scheme", "https", ":authority", target, ":path", "/bad", ":bogus", "x"},
				3: {":method", "GET", ":scheme", "https", ":authority", target}, // no :path
				5: {":method", "GET", ":scheme", "https", ":authority", target, ":path", "/bad", "Upper-Case", "x"},
				7: {"x-first", "y", ":method", "GET", ":scheme", "https", ":authority", target, ":path", "/bad"},
			} {
				c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, EndStream: true, EndHeaders: true, BlockFragment: c.block(fields...)})
				if status, code := c.status(id); status != "" || code != http2.ErrCodeProtocol {
					t.Errorf("stream %d %q: status %q, reset %v; want a PROTOCOL_ERROR reset", id, fields, status, code)
				}
			}
			// The connection's next stream is served.
			if err := c.get(9, target, "/same-connection"); err != nil {
				t.Fatal(err)
			}
			if status, code := c.status(9); status != "200" {
				t.Errorf("a good stream after bad ones: status %q, reset %v", status, code)
			}
			c.conn.Close()
		}},
		{"oversized header block", func(t *testing.T) {
			c := tp.rawH2(t, target, false)
			block := c.block(":method", "GET", ":scheme", "https", ":authority", target, ":path", "/big",
				"x-big", strings.Repeat("a", 2<<20))
			const chunk = 16 << 10
			c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, EndStream: true, BlockFragment: block[:chunk]})
			for rest := block[chunk:]; len(rest) > 0; {
				n := min(chunk, len(rest))
				if err := c.fr.WriteContinuation(1, n == len(rest), rest[:n]); err != nil {
					break // the proxy closed the connection: fine
				}
				rest = rest[n:]
			}
			// Go's server answers 431, or closes the connection.
			f, err := c.until(func(f http2.Frame) bool {
				_, isHeaders := f.(*http2.MetaHeadersFrame)
				return isHeaders && f.Header().StreamID == 1
			})
			if err == nil && f.(*http2.MetaHeadersFrame).PseudoValue("status") != "431" {
				t.Errorf("an oversized header block got %s", f.(*http2.MetaHeadersFrame).PseudoValue("status"))
			}
		}},
		{"stream reset mid-upload", func(t *testing.T) {
			c := tp.rawH2(t, target, false)
			c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, EndHeaders: true,
				BlockFragment: c.block(":method", "POST", ":scheme", "https", ":authority", target, ":path", "/upload/reset", "content-length", "100000")})
			c.fr.WriteData(1, false, []byte(strings.Repeat("x", 1000)))
			<-arrived
			c.fr.WriteRSTStream(1, http2.ErrCodeCancel)
			f := tp.rec.wait(t, "reset upload", finalFor(h2.URL+"/upload/reset"))
			if f.State != session.Failed || f.Err == nil || f.Err.Phase != session.PhaseClient || !f.Request.Body.Truncated || f.Request.Body.Size != 100000 {
				t.Errorf("flow of an upload reset midway: %v %+v %+v", f.State, f.Err, f.Request.Body)
			}
			c.conn.Close()
		}},
		{"thousands of streams opened and reset", func(t *testing.T) {
			c := tp.rawH2(t, target, false)
			const n = 2000
			go func() {
				for i := range n {
					id := uint32(2*i + 1)
					err := c.get(id, target, fmt.Sprintf("/reset/%d", i))
					if err == nil {
						err = c.write(func(fr *http2.Framer) error { return fr.WriteRSTStream(id, http2.ErrCodeCancel) })
					}
					if err != nil {
						return // the proxy had enough and closed the connection
					}
				}
				c.write(func(fr *http2.Framer) error { return fr.WritePing(false, [8]byte{'d', 'o', 'n', 'e'}) })
			}()
			// The proxy answers the ping after it has read every reset,
			// or closes the connection.
			c.until(func(f http2.Frame) bool {
				p, ok := f.(*http2.PingFrame)
				return ok && p.IsAck()
			})
			c.conn.Close()
			// Every stream whose handler ran ends its flow as the client's
			// doing, unless it was answered in full before its reset came.
			tp.rec.mu.Lock()
			var urls []string
			for _, f := range tp.rec.flows {
				if strings.Contains(f.Request.URL, "/reset/") {
					urls = append(urls, f.Request.URL)
				}
			}
			tp.rec.mu.Unlock()
			for _, u := range urls {
				if f := tp.rec.wait(t, "reset "+u, finalFor(u)); f.State != session.Done && (f.Err == nil || f.Err.Phase != session.PhaseClient) {
					t.Fatalf("flow of a reset stream: %v %+v", f.State, f.Err)
				}
			}
			t.Logf("%d of %d reset streams reached the handler", len(urls), n)
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			check := leakCheck(t, closeIdle)
			tc.bad(t)
			normal(t, fmt.Sprintf("/after/%d", i))
			check()
		})
	}
}
