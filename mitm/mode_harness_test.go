package mitm

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/internal/testutil/certstest"
	"golang.org/x/net/proxy"
)

// startModes runs one proxy with a listener on 127.0.0.1:0 for each mode
// and returns the listeners' addresses, in order.
func startModes(t testing.TB, cfg Config, modes ...Mode) (*testProxy, []string) {
	t.Helper()
	rec := newMemRecorder()
	if cfg.Recorder == nil {
		cfg.Recorder = rec
	}
	if cfg.Minter == nil {
		cfg.Minter = certstest.NewMinter(t, 64)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var addrs []string
	done := make(chan error, len(modes))
	for _, m := range modes {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, l.Addr().String())
		go func() { done <- p.ServeMode(l, m) }()
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		p.Shutdown(ctx)
		for range modes {
			if err := <-done; err != nil {
				t.Errorf("ServeMode: %v", err)
			}
		}
	})
	return &testProxy{Proxy: p, addr: addrs[0], rec: rec, minter: cfg.Minter}, addrs
}

func reverseTo(t testing.TB, target string) Mode {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	return Mode{Kind: Reverse, Target: u}
}

// socksClient is an HTTP client whose connections go through the SOCKS5
// proxy at addr (golang.org/x/net/proxy's client, sending host names),
// trusting siphon's CA.
func (tp *testProxy) socksClient(t testing.TB, addr string, auth *proxy.Auth) *http.Client {
	t.Helper()
	d, err := proxy.SOCKS5("tcp", addr, auth, proxy.Direct)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{
		Transport: &http.Transport{
			DialContext:     d.(proxy.ContextDialer).DialContext,
			TLSClientConfig: &tls.Config{RootCAs: tp.minter.CA().Pool()},
		},
		Timeout: 20 * time.Second,
	}
}
