package mitm

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/internal/testutil/certstest"
	"github.com/siphonproxy/siphon/session"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestUpstreamSOCKS5 chains siphon through a second siphon in SOCKS5
// mode that requires credentials: plain and TLS requests arrive, both
// siphons record them, the second under its socks5 listener; wrong
// credentials give the first a failed flow that says so.
func TestUpstreamSOCKS5(t *testing.T) {
	plain := httptest.NewServer(echoTarget())
	defer plain.Close()
	secure := httptest.NewTLSServer(echoTarget())
	defer secure.Close()
	roots := poolOf(secure.Certificate())
	b, baddrs := startModes(t, Config{Auth: &Credentials{User: "u", Pass: "p"}, RootCAs: roots}, Mode{Kind: SOCKS5})
	roots.AddCert(b.minter.CA().Certificate()) // the first siphon sees the second's leaves

	for _, scheme := range []string{"socks5h", "socks5"} {
		a := startProxy(t, Config{Upstream: mustURL(t, scheme+"://u:p@"+baddrs[0]), RootCAs: roots})
		for _, u := range []string{plain.URL + "/" + scheme, secure.URL + "/" + scheme} {
			if _, body := fetchBody(t, a.client(), u); !strings.HasPrefix(body, "/"+scheme) {
				t.Errorf("%s via %s: %q", u, scheme, body)
			}
			a.rec.wait(t, "first "+u, finalFor(u))
			if f := b.rec.wait(t, "second "+u, finalFor(u)); !strings.HasPrefix(f.Listener, "socks5@") {
				t.Errorf("second siphon's flow listener %q", f.Listener)
			}
		}
	}

	a := startProxy(t, Config{Upstream: mustURL(t, "socks5h://u:wrong@"+baddrs[0])})
	res, body := fetchBody(t, a.client(), plain.URL+"/denied")
	if res.StatusCode != http.StatusBadGateway {
		t.Errorf("wrong credentials: %s %q", res.Status, body)
	}
	f := a.rec.wait(t, "denied", finalFor(plain.URL+"/denied"))
	if f.Err == nil || !strings.Contains(f.Err.Msg, "SOCKS5 proxy "+baddrs[0]) {
		t.Errorf("wrong credentials: flow error %+v", f.Err)
	}
	b.rec.wait(t, "refused", func(f *session.Flow) bool {
		return f.Err != nil && strings.Contains(f.Err.Msg, "wrong SOCKS5 credentials")
	})
}

// TestUpstreamSOCKS5Tunnel passes an ignored host's tunnel through a
// SOCKS5 upstream: the bytes both ways, a tunnel flow in each siphon.
func TestUpstreamSOCKS5Tunnel(t *testing.T) {
	echo := startEcho(t, "hi\n")
	b, baddrs := startModes(t, Config{sniffWait: 50 * time.Millisecond}, Mode{Kind: SOCKS5})
	a := startProxy(t, Config{Upstream: mustURL(t, "socks5h://"+baddrs[0]), IgnoreHosts: mustRegexps(t, ".")})
	c, err := net.Dial("tcp", a.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", echo, echo)
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("CONNECT: %v %v", res, err)
	}
	line, err := br.ReadString('\n')
	if err != nil || line != "hi\n" {
		t.Fatalf("banner %q %v", line, err)
	}
	io.WriteString(c, "ping\n")
	if line, _ := br.ReadString('\n'); line != "ping\n" {
		t.Fatalf("echo %q", line)
	}
	c.Close()
	for name, tp := range map[string]*testProxy{"first": a, "second": b} {
		tp.rec.wait(t, name+" tunnel", func(f *session.Flow) bool {
			return f.Kind == session.Tunnel && f.State == session.Done && f.Request.URL == echo && f.Stream != nil && f.Stream.BytesUp == 5
		})
	}
}

// TestUpstreamHTTPS sends siphon's traffic through an HTTP proxy spoken
// to over TLS (a second siphon behind a TLS listener): plain requests in
// absolute form, TLS ones through CONNECT, the proxy's certificate
// verified against RootCAs.
func TestUpstreamHTTPS(t *testing.T) {
	plain := httptest.NewServer(echoTarget())
	defer plain.Close()
	secure := httptest.NewTLSServer(echoTarget())
	defer secure.Close()
	roots := poolOf(secure.Certificate())
	bMinter := certstest.NewMinter(t, 8)
	b, err := New(Config{Recorder: newMemRecorder(), Minter: bMinter, RootCAs: roots})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		b.Serve(tls.NewListener(l, &tls.Config{GetCertificate: bMinter.GetCertificate("127.0.0.1")}))
		close(done)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		b.Shutdown(ctx)
		<-done
	})
	roots.AddCert(bMinter.CA().Certificate())

	a := startProxy(t, Config{Upstream: mustURL(t, "https://"+l.Addr().String()), RootCAs: roots})
	for _, u := range []string{plain.URL + "/p", secure.URL + "/s"} {
		if _, body := fetchBody(t, a.client(), u); !strings.HasPrefix(body, u[len(u)-2:]) {
			t.Errorf("%s: %q", u, body)
		}
		a.rec.wait(t, u, finalFor(u))
	}

	// An https:// proxy whose certificate is not trusted is an error.
	untrusting := startProxy(t, Config{Upstream: mustURL(t, "https://"+l.Addr().String())})
	if res, _ := fetchBody(t, untrusting.client(), plain.URL+"/x"); res.StatusCode != http.StatusBadGateway {
		t.Errorf("untrusted upstream proxy: %s", res.Status)
	}
}
