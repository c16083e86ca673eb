package main

import (
	"context"
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/proxy"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	testpb "google.golang.org/grpc/interop/grpc_testing"
)

// TestGRPCThroughReverseAndSOCKS5 runs grpc-go calls through a reverse
// listener (the client dials siphon as if it were the server) and through
// a SOCKS5 listener (a custom dialer, x/net/proxy's SOCKS5 client): the
// answers are the server's, and each call is stored as an HTTP/2 flow
// under its listener.
func TestGRPCThroughReverseAndSOCKS5(t *testing.T) {
	cert, originCA := originCert(t)
	o := startGRPCOrigin(t, cert)
	p := startProxied(t, originCA, "--mode", "regular@0", "--mode", "reverse:https://"+o.addr+"@0", "--mode", "socks5@0")
	addrs := listenerAddrs(t, p.stderr.String())
	rev, socks := byPrefix(t, addrs, "reverse:"), byPrefix(t, addrs, "socks5@")
	creds := grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: p.caPool}))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	d, err := proxy.SOCKS5("tcp", socks, nil, proxy.Direct)
	if err != nil {
		t.Fatal(err)
	}
	viaSOCKS := grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
		return d.(proxy.ContextDialer).DialContext(ctx, "tcp", addr)
	})
	clients := []struct {
		name, target, listener string
		opts                   []grpc.DialOption
	}{
		{"reverse", rev, "reverse:https://" + o.addr + "@", []grpc.DialOption{creds}},
		{"socks5", o.addr, "socks5@", []grpc.DialOption{creds, viaSOCKS}},
	}
	for _, c := range clients {
		conn, err := grpc.NewClient("passthrough:///"+c.target, c.opts...)
		if err != nil {
			t.Fatal(err)
		}
		client := testpb.NewTestServiceClient(conn)
		t.Run(c.name+"/unary", func(t *testing.T) { grpcUnary(t, ctx, client, o) })
		t.Run(c.name+"/client-streaming", func(t *testing.T) { grpcClientStreaming(t, ctx, client, o) })
		conn.Close()
	}

	flows := p.storedFlows(t)
	if len(flows) != 2*len(clients) {
		t.Fatalf("session holds %d flows, want %d", len(flows), 2*len(clients))
	}
	for i, f := range flows {
		c := clients[i/2]
		if !strings.HasPrefix(f.Listener, c.listener) || !strings.HasPrefix(f.Request.URL, "https://"+o.addr+"/grpc.testing.TestService/") ||
			f.Response == nil || f.Response.Proto != "HTTP/2.0" || f.Request.Proto != "HTTP/2.0" {
			t.Errorf("flow %d (%s): listener %q, %s %s, response %+v", i, c.name, f.Listener, f.Request.Proto, f.Request.URL, f.Response)
		}
	}
}
