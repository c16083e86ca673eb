package certs

import (
	"crypto/tls"
	"net"
	"slices"
	"strings"
	"testing"
)

// handshakeResult is what handshake observed.
type handshakeResult struct {
	state     tls.ConnectionState // the client's
	sni       string              // the server name in the client hello
	clientErr error
	serverErr error
}

// loopback is a TCP listener on 127.0.0.1 for test handshakes. It is a real
// socket rather than net.Pipe: the server writes its whole first flight at
// once, which a pipe completes only when the client has read all of it, and a
// client that rejects the certificate stops reading to send its alert, so
// over a pipe both sides would block writing.
type loopback struct{ ln net.Listener }

// newLoopback listens on a free loopback port until the test ends.
func newLoopback(tb testing.TB) *loopback {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	return &loopback{ln: ln}
}

// handshake runs one TLS handshake between a server that takes its
// certificate from m.GetCertificate(fallback) and a client using cfg, and
// waits for both sides to finish.
func (l *loopback) handshake(m *Minter, fallback string, cfg *tls.Config) handshakeResult {
	getCert := m.GetCertificate(fallback)
	sni := make(chan string, 1)
	serverCfg := &tls.Config{
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			sni <- hello.ServerName
			return getCert(hello)
		},
	}
	serverErr := make(chan error, 1)
	go func() {
		conn, err := l.ln.Accept()
		if err != nil {
			serverErr <- err
			return
		}
		defer conn.Close()
		serverErr <- tls.Server(conn, serverCfg).Handshake()
	}()
	var r handshakeResult
	conn, err := net.Dial("tcp", l.ln.Addr().String())
	if err != nil {
		r.clientErr = err
		l.ln.Close() // unblocks Accept; the test fails on clientErr anyway
		r.serverErr = <-serverErr
		return r
	}
	client := tls.Client(conn, cfg)
	r.clientErr = client.Handshake()
	r.state = client.ConnectionState()
	conn.Close() // unblocks the server if the client gave up
	r.serverErr = <-serverErr
	select {
	case r.sni = <-sni:
	default:
	}
	return r
}

func TestHandshake(t *testing.T) {
	ca := newTestCA(t)
	m := newTestMinter(t, ca, 0)
	lb := newLoopback(t)
	tests := []struct {
		name       string
		serverName string // the client's tls.Config.ServerName
		fallback   string // the CONNECT host
		wantSNI    string // what the server sees in the client hello
		wantDNS    []string
		wantIP     string
	}{
		{"SNI wins over fallback", "api.example.com", "other.example.com:443", "api.example.com", []string{"api.example.com"}, ""},
		{"SNI, no fallback", "www.example.org", "", "www.example.org", []string{"www.example.org"}, ""},
		// Clients never put IP literals in SNI (RFC 6066), so these
		// handshakes have none and the leaf comes from the fallback.
		{"no SNI, IPv4 fallback", "127.0.0.1", "127.0.0.1:8443", "", nil, "127.0.0.1"},
		{"no SNI, IPv6 fallback", "::1", "[::1]:443", "", nil, "::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := lb.handshake(m, tt.fallback, &tls.Config{
				ServerName: tt.serverName,
				RootCAs:    ca.Pool(), // trusts siphon's CA and nothing else
			})
			if r.clientErr != nil || r.serverErr != nil {
				t.Fatalf("handshake: client %v, server %v", r.clientErr, r.serverErr)
			}
			if r.sni != tt.wantSNI {
				t.Errorf("server saw SNI %q, want %q", r.sni, tt.wantSNI)
			}
			leaf := r.state.PeerCertificates[0]
			if !slices.Equal(leaf.DNSNames, tt.wantDNS) {
				t.Errorf("leaf DNSNames = %q, want %q", leaf.DNSNames, tt.wantDNS)
			}
			if tt.wantIP != "" && (len(leaf.IPAddresses) != 1 || leaf.IPAddresses[0].String() != tt.wantIP) {
				t.Errorf("leaf IPAddresses = %v, want [%s]", leaf.IPAddresses, tt.wantIP)
			}
			if len(r.state.VerifiedChains) != 1 || len(r.state.VerifiedChains[0]) != 2 {
				t.Errorf("verified chains %d, want one of leaf and CA", len(r.state.VerifiedChains))
			}
		})
	}
}

func TestHandshakeFailures(t *testing.T) {
	ca := newTestCA(t)
	m := newTestMinter(t, ca, 0)
	lb := newLoopback(t)

	// No SNI and no fallback: the server has no name to mint for.
	r := lb.handshake(m, "", &tls.Config{ServerName: "127.0.0.1", RootCAs: ca.Pool()})
	if r.clientErr == nil || r.serverErr == nil || !strings.Contains(r.serverErr.Error(), "no fallback host") {
		t.Errorf("handshake without a name: client %v, server %v; want both to fail", r.clientErr, r.serverErr)
	}

	// A client that does not trust siphon's CA rejects its leaves.
	r = lb.handshake(m, "", &tls.Config{ServerName: "untrusted.test", RootCAs: newTestCA(t).Pool()})
	if r.clientErr == nil || r.serverErr == nil {
		t.Error("a client trusting another CA accepted siphon's leaf")
	}
}

func TestGetCertificateFallback(t *testing.T) {
	ca := newTestCA(t)
	m := newTestMinter(t, ca, 0)
	get := m.GetCertificate("Fallback.Example:443")
	c, err := get(&tls.ClientHelloInfo{})
	if err != nil {
		t.Fatal(err)
	}
	verifyLeaf(t, ca, c, "fallback.example")
	if c2, err := get(&tls.ClientHelloInfo{ServerName: "fallback.example"}); err != nil || c2 != c {
		t.Errorf("SNI naming the fallback host got %p, %v; want the cached leaf %p", c2, err, c)
	}
	if m.Minted() != 1 {
		t.Errorf("Minted() = %d, want 1", m.Minted())
	}
}

// BenchmarkHandshake measures a full TLS 1.3 handshake with a cached leaf,
// over loopback TCP with both sides in this process, the client verifying
// against the CA.
func BenchmarkHandshake(b *testing.B) {
	ca := newTestCA(b)
	m := newTestMinter(b, ca, 0)
	lb := newLoopback(b)
	cfg := &tls.Config{ServerName: "hs.bench.test", RootCAs: ca.Pool()}
	for b.Loop() {
		if r := lb.handshake(m, "", cfg); r.clientErr != nil || r.serverErr != nil {
			b.Fatalf("handshake: client %v, server %v", r.clientErr, r.serverErr)
		}
	}
}
