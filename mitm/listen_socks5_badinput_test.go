package mitm

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/session"
	"golang.org/x/net/proxy"
)

// socksExchange sends in to the SOCKS5 listener at addr, half-closes, and
// returns everything the listener answered before closing the connection;
// it fails the test if the listener keeps the connection open.
func socksExchange(t *testing.T, addr string, in []byte) []byte {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write(in)
	c.(*net.TCPConn).CloseWrite()
	out, err := io.ReadAll(c)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("% x: the listener kept the connection open", in)
	}
	return out
}

// TestSOCKS5BadInput sends malformed and refused handshakes from a raw
// socket: each gets the reply RFC 1928/1929 prescribe, a closed
// connection and a failed flow saying why, and a good client is served
// after them all; no goroutine is left behind.
func TestSOCKS5BadInput(t *testing.T) {
	origin := httptest.NewServer(echoTarget())
	defer origin.Close()
	tp, addrs := startModes(t, Config{Auth: &Credentials{User: "u", Pass: "p"}}, Mode{Kind: SOCKS5})
	good := func(path string) {
		c := tp.socksClient(t, addrs[0], &proxy.Auth{User: "u", Password: "p"})
		if _, body := fetchBody(t, c, origin.URL+path); !strings.HasPrefix(body, path) {
			t.Errorf("good client: %q", body)
		}
		tp.rec.wait(t, path, finalFor(origin.URL+path))
		// Keep-alive connections, the client's and siphon's, are not leaks.
		c.CloseIdleConnections()
		tp.transport.CloseIdleConnections()
	}
	good("/first") // starts the proxy's serving goroutines
	before := runtime.NumGoroutine()
	seen := tp.rec.count()

	auth := []byte{5, 1, 2, 1, 1, 'u', 1, 'p'} // greeting, RFC 1929 u:p
	connect := func(cmd, atyp byte, addr ...byte) []byte {
		return append(append(bytes.Clone(auth), 5, cmd, 0, atyp), addr...)
	}
	ok := []byte{5, 2, 1, 0}        // method chosen, auth succeeded
	fail := func(rep byte) []byte { // a reply with 0.0.0.0:0
		return append(bytes.Clone(ok), 5, rep, 0, 1, 0, 0, 0, 0, 0, 0)
	}
	tests := []struct {
		name  string
		in    []byte
		reply []byte
		msg   string
	}{
		{"wrong version", []byte{6, 1, 0}, nil, "not a SOCKS5 client: the greeting starts with 0x06"},
		{"SOCKS4", []byte{4, 1, 0, 80, 127, 0, 0, 1, 0}, []byte{0, 0x5b, 0, 0, 0, 0, 0, 0}, "a SOCKS4 client"},
		{"no acceptable method", []byte{5, 1, 0}, []byte{5, 0xff}, "offers no username/password"},
		{"no methods", []byte{5, 0}, []byte{5, 0xff}, "offers no username/password"},
		{"bad password", []byte{5, 1, 2, 1, 1, 'u', 1, 'x'}, []byte{5, 2, 1, 1}, `wrong SOCKS5 credentials for user "u"`},
		{"bad auth version", []byte{5, 1, 2, 5, 1, 'u', 1, 'p'}, []byte{5, 2, 1, 1}, "username/password version 0x05"},
		{"BIND", connect(2, 1, 127, 0, 0, 1, 0, 80), fail(repCommandUnsupported), "SOCKS5 BIND to 127.0.0.1:80 is not supported"},
		{"UDP ASSOCIATE", connect(3, 3, 1, 'h', 0, 53), fail(repCommandUnsupported), "SOCKS5 UDP ASSOCIATE to h:53"},
		{"address type", connect(1, 9, 1, 2, 3, 4, 0, 80), fail(repAddressUnsupported), "address type 0x09 does not exist"},
		{"empty domain", connect(1, 3, 0, 0, 80), fail(repGeneralFailure), "an empty domain name"},
		{"request version", append(bytes.Clone(auth), 4, 1, 0, 1, 127, 0, 0, 1, 0, 80), fail(repGeneralFailure), "request: version 0x04"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := socksExchange(t, addrs[0], tt.in); !bytes.Equal(got, tt.reply) {
				t.Errorf("reply % x, want % x", got, tt.reply)
			}
			f := tp.rec.wait(t, tt.msg, func(f *session.Flow) bool {
				return f.Seq > int64(seen) && f.Err != nil && strings.Contains(f.Err.Msg, tt.msg)
			})
			seen = int(f.Seq)
			if f.State != session.Failed || f.Kind != session.Tunnel || f.Request.Proto != "SOCKS5" || !strings.HasPrefix(f.Listener, "socks5@") {
				t.Errorf("flow %+v", f)
			}
		})
	}

	// A handshake cut short at every byte: the connection closes with
	// the replies due so far, and a flow tells where it stopped.
	whole := connect(1, 1, 127, 0, 0, 1, 0, 80)
	for n := 1; n < len(whole); n++ {
		got := socksExchange(t, addrs[0], whole[:n])
		want := ok[:0] // the method reply follows the greeting (3 bytes), the auth reply the credentials (5 more)
		switch {
		case n >= 8:
			want = ok
		case n >= 3:
			want = ok[:2]
		}
		if !bytes.Equal(got, want) {
			t.Errorf("cut at %d: reply % x, want % x", n, got, want)
		}
		f := tp.rec.wait(t, "cut short", func(f *session.Flow) bool {
			return f.Seq > int64(seen) && f.Err != nil
		})
		seen = int(f.Seq)
		if !strings.Contains(f.Err.Msg, "the client closed the connection in the middle of the SOCKS5") {
			t.Errorf("cut at %d: %q", n, f.Err.Msg)
		}
	}

	// The next client is served.
	good("/next")
	waitGoroutines(t, before)
}

// TestSOCKS5StalledHandshake: a client that stops mid-handshake is cut
// off by the handshake deadline, with a flow.
func TestSOCKS5StalledHandshake(t *testing.T) {
	tp, addrs := startModes(t, Config{handshakeIdle: 100 * time.Millisecond}, Mode{Kind: SOCKS5})
	c, err := net.Dial("tcp", addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte{5, 1}) // and no methods
	if _, err := io.ReadAll(c); err != nil {
		t.Fatalf("the listener kept a stalled handshake open: %v", err)
	}
	tp.rec.wait(t, "stalled", func(f *session.Flow) bool {
		return f.Err != nil && strings.Contains(f.Err.Msg, "stopped sending in the middle of the SOCKS5 greeting")
	})
}

// waitGoroutines waits, for up to ten seconds, until at most n goroutines
// run.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, want at most %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
		<-time.After(10 * time.Millisecond)
	}
}

// TestSOCKS5AddressTypes sends CONNECT requests from a raw socket with
// each address type RFC 1928 defines: IPv4, a domain name and IPv6 (when
// this machine has ::1), and plain HTTP through each.
func TestSOCKS5AddressTypes(t *testing.T) {
	tp, addrs := startModes(t, Config{}, Mode{Kind: SOCKS5})
	v4 := httptest.NewServer(echoTarget())
	defer v4.Close()
	_, port4, _ := net.SplitHostPort(v4.Listener.Addr().String())
	p4, _ := strconv.Atoi(port4)
	hosts := map[string]string{"IPv4": v4.Listener.Addr().String(), "domain": v4.Listener.Addr().String()}
	reqs := map[string][]byte{
		"IPv4":   {1, 127, 0, 0, 1, byte(p4 >> 8), byte(p4)},
		"domain": append(append([]byte{3, 9}, "127.0.0.1"...), byte(p4>>8), byte(p4)),
	}
	if l, err := net.Listen("tcp", "[::1]:0"); err == nil {
		v6 := httptest.NewUnstartedServer(echoTarget())
		v6.Listener = l
		v6.Start()
		defer v6.Close()
		p6 := l.Addr().(*net.TCPAddr).Port
		reqs["IPv6"] = append(append([]byte{4}, net.IPv6loopback...), byte(p6>>8), byte(p6))
		hosts["IPv6"] = l.Addr().String()
	} else {
		t.Logf("no IPv6 loopback (%v): IPv6 not tried", err)
	}
	for name, addr := range reqs {
		c, err := net.Dial("tcp", addrs[0])
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		c.Write(append([]byte{5, 1, 0, 5, 1, 0}, addr...))
		reply := make([]byte, 2+10)
		if _, err := io.ReadFull(c, reply); err != nil || !bytes.Equal(reply[:4], []byte{5, 0, 5, 0}) {
			t.Errorf("%s: reply % x, %v", name, reply, err)
			c.Close()
			continue
		}
		// As through CONNECT, the Host header names the origin.
		io.WriteString(c, "GET /"+name+" HTTP/1.1\r\nHost: "+hosts[name]+"\r\nConnection: close\r\n\r\n")
		out, _ := io.ReadAll(c)
		c.Close()
		if !strings.Contains(string(out), "/"+name+" host="+hosts[name]) {
			t.Errorf("%s: %q", name, out)
		}
		tp.rec.wait(t, name, func(f *session.Flow) bool {
			return f.Request != nil && strings.HasSuffix(f.Request.URL, "/"+name) && f.State == session.Done && strings.HasPrefix(f.Listener, "socks5@")
		})
	}
}
