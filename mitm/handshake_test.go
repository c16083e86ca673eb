package mitm

import (
	"crypto/tls"
	"fmt"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// A client whose TLS handshake with siphon fails for a reason other than
// trust (an old protocol version, no cipher suite or ALPN protocol in
// common) gets a flow whose hint names that reason, not "install
// siphon's CA".
func TestClientHandshakeFailureHints(t *testing.T) {
	tp := startProxy(t, Config{})
	pool := tp.minter.CA().Pool()
	cases := []struct {
		name string
		cfg  *tls.Config
		hint string
	}{
		{"TLS 1.0 only", &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10}, "TLS 1.0"},
		{"TLS 1.1 only", &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS11, MaxVersion: tls.VersionTLS11}, "TLS 1.1"},
		{"ALPN spdy/3 only", &tls.Config{RootCAs: pool, NextProtos: []string{"spdy/3"}}, "spdy/3"},
		{"RSA key exchange only", &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS12,
			CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}}, "cipher suite"},
		{"untrusted CA", &tls.Config{}, "install siphon's CA"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			target := fmt.Sprintf("hint%d.example:443", i)
			tc.cfg.ServerName = strings.TrimSuffix(target, ":443")
			if _, err := tp.dialTLS(t, target, tc.cfg); err == nil {
				t.Fatal("the handshake succeeded")
			}
			f := tp.rec.wait(t, "failed handshake", func(f *session.Flow) bool {
				return f.Request.URL == target && f.State == session.Failed
			})
			if f.Err == nil || f.Err.Phase != session.PhaseClientTLS || !strings.Contains(f.Err.Hint, tc.hint) {
				t.Fatalf("flow error %+v; want a hint naming %q", f.Err, tc.hint)
			}
			t.Logf("hint: %s", f.Err.Hint)
			if tc.hint != "install siphon's CA" && strings.Contains(f.Err.Hint, "install siphon's CA") {
				t.Errorf("hint %q blames trust", f.Err.Hint)
			}
		})
	}
	assertStillServes(t, tp)
}
