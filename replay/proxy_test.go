package replay

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/internal/testutil/certstest"
	"github.com/siphonproxy/siphon/mitm"
	"github.com/siphonproxy/siphon/session"
)

// capture is siphon's proxy running in the test on 127.0.0.1:0, storing
// into a real session file through a Marker.
type capture struct {
	addr   string
	store  *session.Store
	marker *Marker
	caPool *x509.CertPool // siphon's CA, for clients
}

// startCapture runs the proxy; origins trusts the test origins' TLS
// certificates upstream.
func startCapture(t *testing.T, origins ...*echoOrigin) *capture {
	t.Helper()
	return startCaptureAuth(t, nil, origins...)
}

// startCaptureAuth runs the proxy requiring auth (when not nil) of clients.
func startCaptureAuth(t *testing.T, auth *mitm.Credentials, origins ...*echoOrigin) *capture {
	t.Helper()
	minter := certstest.NewMinter(t, 64)
	store, err := session.Open(filepath.Join(t.TempDir(), "s.db"), session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	roots := x509.NewCertPool()
	for _, o := range origins {
		if o.TLS != nil {
			roots.AddCert(o.Certificate())
		}
	}
	marker := NewMarker(store)
	p, err := mitm.New(mitm.Config{Recorder: marker, Minter: minter, RootCAs: roots, Auth: auth})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go p.Serve(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		p.Shutdown(ctx)
	})
	return &capture{addr: l.Addr().String(), store: store, marker: marker, caPool: minter.CA().Pool()}
}

// client is an ordinary client configured to use the proxy.
func (c *capture) client() *http.Transport {
	return &http.Transport{
		Proxy:              http.ProxyURL(&url.URL{Scheme: "http", Host: c.addr}),
		TLSClientConfig:    &tls.Config{RootCAs: c.caPool},
		DisableCompression: true,
	}
}

// sender is a Sender through the proxy that the Marker knows.
func (c *capture) sender(t *testing.T) *Sender {
	t.Helper()
	s, err := NewSender(SenderConfig{Proxy: c.addr, RootCAs: c.caPool, Marker: c.marker, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// waitFlows waits until the store holds want flows that ok accepts, all
// finished, and returns them with bodies.
func (c *capture) waitFlows(t *testing.T, want int, ok func(*session.Flow) bool) []*session.Flow {
	t.Helper()
	m := session.MatcherFunc(func(f *session.Flow) bool {
		return ok(f) && (f.State == session.Done || f.State == session.Failed)
	})
	deadline := time.After(20 * time.Second)
	for {
		if n := c.store.Count(m); n >= want {
			var out []*session.Flow
			for _, f := range c.store.List(m, 0, -1) {
				full, err := c.store.Get(f.ID)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, full)
			}
			return out
		}
		select {
		case <-c.store.Changed():
		case <-deadline:
			t.Fatalf("store holds %d matching finished flows after 20s, want %d", c.store.Count(m), want)
		}
	}
}

func isSource(s session.Source) func(*session.Flow) bool {
	return func(f *session.Flow) bool { return f.Source == s }
}
