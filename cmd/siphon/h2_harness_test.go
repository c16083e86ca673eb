package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/siphonproxy/siphon/internal/testutil/certstest"
	"github.com/siphonproxy/siphon/session"
)

// proxied is a running siphon dump whose CA a test's clients trust.
type proxied struct {
	*child
	caPath string         // siphon's CA certificate, PEM
	caPool *x509.CertPool // the same, for Go clients
}

// startProxied starts siphon dump in a new home, trusting upstream the
// certificate in upstreamCA (a PEM file), plus args.
func startProxied(t *testing.T, upstreamCA string, args ...string) *proxied {
	t.Helper()
	home := t.TempDir()
	caPath, _, code := runSiphonHome(t, home, "ca", "path")
	caPath = strings.TrimSpace(caPath)
	if code != 0 || caPath == "" {
		t.Fatalf("siphon ca path: %d %q", code, caPath)
	}
	pem, err := os.ReadFile(caPath)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("siphon's CA %s holds no certificate", caPath)
	}
	c := startDump(t, home, append([]string{"--upstream-ca", upstreamCA}, args...)...)
	return &proxied{child: c, caPath: caPath, caPool: pool}
}

// storedFlows stops siphon cleanly (so that every flow is written) and
// returns the flows of its session file, oldest first.
func (p *proxied) storedFlows(t *testing.T) []*session.Flow {
	t.Helper()
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d after SIGTERM:\n%s", code, p.stderr)
	}
	store, err := session.Open(p.session, session.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var flows []*session.Flow
	for _, meta := range store.List(nil, 0, 1000) {
		f, err := store.Get(meta.ID)
		if err != nil {
			t.Fatal(err)
		}
		flows = append(flows, f)
	}
	return flows
}

// dialConnect returns a dialer that reaches addr through the HTTP proxy at
// proxyAddr with a CONNECT, as a client configured with the proxy does.
func dialConnect(proxyAddr string) func(ctx context.Context, addr string) (net.Conn, error) {
	return func(ctx context.Context, addr string) (net.Conn, error) {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", proxyAddr)
		if err != nil {
			return nil, fmt.Errorf("dial proxy %s: %w", proxyAddr, err)
		}
		// The handshake must not outlive ctx.
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		defer stop()
		fmt.Fprintf(conn, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", addr, addr)
		br := bufio.NewReader(conn)
		res, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("CONNECT %s through %s: %w", addr, proxyAddr, err)
		}
		if res.StatusCode != http.StatusOK {
			conn.Close()
			return nil, fmt.Errorf("CONNECT %s through %s: %s", addr, proxyAddr, res.Status)
		}
		if br.Buffered() > 0 { // the proxy may not speak before the client's hello
			conn.Close()
			return nil, fmt.Errorf("CONNECT %s through %s: %d bytes after the answer", addr, proxyAddr, br.Buffered())
		}
		if !stop() {
			return nil, fmt.Errorf("CONNECT %s through %s: %w", addr, proxyAddr, ctx.Err())
		}
		return conn, nil
	}
}

// originCert returns a certificate for 127.0.0.1 signed by a new CA, and
// that CA written as a PEM file for --upstream-ca: for origins that are not
// httptest servers (a gRPC server).
func originCert(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	m := certstest.NewMinter(t, 0)
	leaf, err := m.Leaf("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return *leaf, writePEM(t, m.CA().Certificate())
}
