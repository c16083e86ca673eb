package mitm

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/siphonproxy/siphon/session"
)

// TestReverseRefusesConnectOverH2: a CONNECT sent as an HTTP/2 stream to a
// reverse TLS listener gets 405 and a failed flow, as over HTTP/1.1, and
// nothing reaches the target or the CONNECT's host; the connection serves
// on. An extended CONNECT (RFC 8441, not offered) is reset. A regular
// listener keeps sending an h2 CONNECT on to its host.
func TestReverseRefusesConnectOverH2(t *testing.T) {
	var hits atomic.Int32
	counting := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		echoTarget().ServeHTTP(w, r)
	})
	origin := httptest.NewServer(counting)
	defer origin.Close()
	elsewhere := httptest.NewTLSServer(counting)
	defer elsewhere.Close()
	tp, addrs := startModes(t, Config{RootCAs: poolOf(elsewhere.Certificate())}, reverseTo(t, origin.URL), Mode{})
	target := strings.TrimPrefix(elsewhere.URL, "https://")

	conn, err := tls.Dial("tcp", addrs[0], &tls.Config{RootCAs: tp.minter.CA().Pool(), NextProtos: []string{"h2"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	cc := h2ClientConn(t, conn)
	res, body := h2Connect(t, cc, target)
	if res.StatusCode != http.StatusMethodNotAllowed || res.ProtoMajor != 2 || !strings.Contains(body, "reverse proxy for "+origin.URL) {
		t.Fatalf("h2 CONNECT to a reverse listener: %s %s %q", res.Proto, res.Status, body)
	}
	f := tp.rec.wait(t, "refused h2 CONNECT", func(f *session.Flow) bool {
		return f.Request.Method == http.MethodConnect && f.State == session.Failed
	})
	if f.Request.URL != target || f.Request.Proto != "HTTP/2.0" || f.Err.Phase != session.PhaseClient ||
		!strings.Contains(f.Err.Msg, "refused: this is a reverse proxy") || !strings.HasPrefix(f.Listener, "reverse:") {
		t.Errorf("flow: %s %s %s, err %+v, listener %q", f.Request.Method, f.Request.URL, f.Request.Proto, f.Err, f.Listener)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the refused CONNECT reached a server (%d requests)", n)
	}
	// The connection serves on.
	req, _ := http.NewRequest("GET", "https://"+addrs[0]+"/after", nil)
	after, err := cc.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(after.Body)
	after.Body.Close()
	if !strings.HasPrefix(string(b), "/after ") {
		t.Errorf("GET after the refusal: %q", b)
	}

	// An extended CONNECT, written by hand (Go's client will not send one
	// to a server that does not offer it): the stream is reset, the
	// connection serves on.
	raw := rawH2Direct(t, addrs[0], tp)
	ws := raw.block(":method", "CONNECT", ":protocol", "websocket", ":scheme", "https", ":authority", target, ":path", "/chat")
	raw.write(func(fr *http2.Framer) error {
		return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, EndHeaders: true, BlockFragment: ws})
	})
	if status, code := raw.status(1); status != "" || code != http2.ErrCodeProtocol {
		t.Fatalf("extended CONNECT: status %q, reset %v; want a PROTOCOL_ERROR reset", status, code)
	}
	if err := raw.get(3, addrs[0], "/after-extended"); err != nil {
		t.Fatal(err)
	}
	if status, _ := raw.status(3); status != "200" {
		t.Fatalf("GET after the extended CONNECT: status %q", status)
	}
	if n := hits.Load(); n != 2 {
		t.Fatalf("%d requests reached a server, want the two GETs", n)
	}

	// A regular listener (inside a CONNECT tunnel's h2) sends a CONNECT
	// stream on to its host, as it always has.
	tp.addr = addrs[1]
	inner, err := tp.dialTLS(t, "example.com:443", &tls.Config{RootCAs: tp.minter.CA().Pool(), NextProtos: []string{"h2"}, ServerName: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	icc := h2ClientConn(t, inner)
	if res, body := h2Connect(t, icc, target); res.StatusCode != 200 || !strings.Contains(body, "host="+target) {
		t.Fatalf("h2 CONNECT through a regular listener: %s %q", res.Status, body)
	}
}

// h2ClientConn is Go's HTTP/2 client on conn, which negotiated h2.
func h2ClientConn(t *testing.T, conn *tls.Conn) *http.ClientConn {
	t.Helper()
	tr := &http.Transport{Protocols: new(http.Protocols),
		DialTLSContext: func(context.Context, string, string) (net.Conn, error) { return conn, nil }}
	tr.Protocols.SetHTTP2(true)
	cc, err := tr.NewClientConn(t.Context(), "https", conn.RemoteAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return cc
}

// h2Connect sends a classic CONNECT for target on cc and reads the answer.
func h2Connect(t *testing.T, cc *http.ClientConn, target string) (*http.Response, string) {
	t.Helper()
	pr, pw := io.Pipe()
	defer pw.Close()
	req, err := http.NewRequest("CONNECT", "https://"+target, pr)
	if err != nil {
		t.Fatal(err)
	}
	res, err := cc.RoundTrip(req)
	if err != nil {
		t.Fatalf("CONNECT %s over h2: %v", target, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 4096))
	if err != nil && res.StatusCode != 200 {
		t.Fatalf("CONNECT %s over h2: body: %v", target, err)
	}
	return res, string(b)
}

// rawH2Direct is a hand-written HTTP/2 client on a TLS connection straight
// to a reverse listener at addr.
func rawH2Direct(t *testing.T, addr string, tp *testProxy) *rawH2 {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: tp.minter.CA().Pool(), NextProtos: []string{"h2"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	c := &rawH2{t: t, conn: conn, fr: http2.NewFramer(conn, conn)}
	c.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	c.enc = hpack.NewEncoder(&c.hbuf)
	io.WriteString(conn, http2.ClientPreface)
	c.fr.WriteSettings()
	return c
}
