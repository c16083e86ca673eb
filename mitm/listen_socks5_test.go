package mitm

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/session"
	"golang.org/x/net/proxy"
)

// TestSOCKS5HTTPAndHTTPS sends plain HTTP and HTTPS (HTTP/2 and HTTP/1.1)
// through a SOCKS5 listener with x/net/proxy's client: both are captured
// as CONNECT's are, TLS with a minted leaf, under the listener's name.
func TestSOCKS5HTTPAndHTTPS(t *testing.T) {
	plain := httptest.NewServer(echoTarget())
	defer plain.Close()
	secure := httptest.NewUnstartedServer(echoTarget())
	secure.EnableHTTP2 = true
	secure.StartTLS()
	defer secure.Close()
	tp, addrs := startModes(t, Config{RootCAs: poolOf(secure.Certificate())}, Mode{Kind: SOCKS5})
	c := tp.socksClient(t, addrs[0], nil)
	c.Transport.(*http.Transport).ForceAttemptHTTP2 = true

	if _, body := fetchBody(t, c, plain.URL+"/p"); !strings.HasPrefix(body, "/p host=") {
		t.Errorf("plain: %q", body)
	}
	res, body := fetchBody(t, c, secure.URL+"/s")
	if !strings.HasPrefix(body, "/s host=") || res.ProtoMajor != 2 {
		t.Errorf("TLS: %s %q", res.Proto, body)
	}
	if res.TLS == nil || res.TLS.PeerCertificates[0].Issuer.CommonName != tp.minter.CA().Certificate().Subject.CommonName {
		t.Errorf("TLS not intercepted: leaf issued by %v", res.TLS.PeerCertificates[0].Issuer)
	}
	_, port, _ := net.SplitHostPort(addrs[0])
	for _, u := range []string{plain.URL + "/p", secure.URL + "/s"} {
		f := tp.rec.wait(t, u, finalFor(u))
		if f.Listener != "socks5@"+port || f.State != session.Done || f.Kind != session.HTTP {
			t.Errorf("%s: listener %q state %v kind %v", u, f.Listener, f.State, f.Kind)
		}
	}
}

// TestSOCKS5Auth: with proxy credentials configured the listener demands
// RFC 1929 username/password; wrong ones are refused with a flow.
func TestSOCKS5Auth(t *testing.T) {
	origin := httptest.NewServer(echoTarget())
	defer origin.Close()
	tp, addrs := startModes(t, Config{Auth: &Credentials{User: "u", Pass: "p"}}, Mode{Kind: SOCKS5})

	if _, body := fetchBody(t, tp.socksClient(t, addrs[0], &proxy.Auth{User: "u", Password: "p"}), origin.URL+"/ok"); !strings.HasPrefix(body, "/ok") {
		t.Errorf("with credentials: %q", body)
	}
	for _, auth := range []*proxy.Auth{{User: "u", Password: "wrong"}, nil} {
		if _, err := tp.socksClient(t, addrs[0], auth).Get(origin.URL + "/no"); err == nil {
			t.Errorf("auth %v: got through", auth)
		}
	}
	tp.rec.wait(t, "wrong password", func(f *session.Flow) bool {
		return f.Err != nil && strings.Contains(f.Err.Msg, `wrong SOCKS5 credentials for user "u"`)
	})
	tp.rec.wait(t, "no credentials", func(f *session.Flow) bool {
		return f.Err != nil && strings.Contains(f.Err.Msg, "offers no username/password")
	})
}

// TestSOCKS5OpaqueTunnel relays what is neither TLS nor HTTP, in both
// directions, as a tunnel flow with byte counts; a protocol where the
// server speaks first is relayed too once the client stays silent.
func TestSOCKS5OpaqueTunnel(t *testing.T) {
	echo := startEcho(t, "hello\n")
	tp, addrs := startModes(t, Config{sniffWait: 50 * time.Millisecond}, Mode{Kind: SOCKS5})
	d, err := proxy.SOCKS5("tcp", addrs[0], nil, proxy.Direct)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := d.Dial("tcp", echo)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	banner := make([]byte, 6)
	if _, err := io.ReadFull(conn, banner); err != nil || string(banner) != "hello\n" {
		t.Fatalf("banner %q, %v", banner, err)
	}
	msg := "\x00\x01binary"
	io.WriteString(conn, msg)
	back := make([]byte, len(msg))
	if _, err := io.ReadFull(conn, back); err != nil || string(back) != msg {
		t.Fatalf("echo %q, %v", back, err)
	}
	conn.Close()
	f := tp.rec.wait(t, "tunnel", func(f *session.Flow) bool {
		return f.Kind == session.Tunnel && f.State == session.Done
	})
	if f.Stream == nil || f.Stream.BytesUp != int64(len(msg)) || f.Stream.BytesDown != int64(len(msg)+6) || f.Request.URL != echo {
		t.Errorf("tunnel flow %+v stream %+v", f.Request, f.Stream)
	}
}

// startEcho runs a TCP server that sends banner, then echoes.
func startEcho(t *testing.T, banner string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.WriteString(c, banner)
				io.Copy(c, c)
			}()
		}
	}()
	return l.Addr().String()
}

// TestSOCKS5IgnoredHost passes an ignored host's TLS through untouched:
// the client sees the origin's own certificate.
func TestSOCKS5IgnoredHost(t *testing.T) {
	origin := httptest.NewTLSServer(echoTarget())
	defer origin.Close()
	tp, addrs := startModes(t, Config{IgnoreHosts: mustRegexps(t, `^127\.0\.0\.1:`)}, Mode{Kind: SOCKS5})
	c := tp.socksClient(t, addrs[0], nil)
	c.Transport.(*http.Transport).TLSClientConfig.RootCAs = poolOf(origin.Certificate())
	if _, body := fetchBody(t, c, origin.URL+"/x"); !strings.HasPrefix(body, "/x") {
		t.Errorf("through: %q", body)
	}
	c.CloseIdleConnections() // the tunnel's flow ends with the connection
	f := tp.rec.wait(t, "passthrough", func(f *session.Flow) bool {
		return f.Kind == session.Tunnel && f.State == session.Done && f.Stream != nil && f.Stream.BytesDown > 0
	})
	if !strings.Contains(f.Comment, "not intercepted") || !strings.Contains(f.Comment, "--ignore-hosts") {
		t.Errorf("the tunnel does not say why it passed through: comment %q", f.Comment)
	}
}
