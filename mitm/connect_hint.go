package mitm

import (
	"crypto/tls"
	"fmt"
	"strings"
)

const passHint = "pass the host through unseen: P on this flow in siphon's UI, or --ignore-hosts"

// handshakeHint tells the user what to do about a client's failed TLS
// handshake with siphon. Most failures are the client rejecting siphon's
// CA, often without saying so (it just closes the connection), so that is
// the default; the failures Go's server detects itself (no protocol
// version, cipher suite, key exchange group or ALPN protocol in common)
// are named, with what the client offered (hello; nil when its hello was
// never read). Go does not export these errors: they are matched by text.
func handshakeHint(err error, hello *tls.ClientHelloInfo) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "unsupported versions"):
		offered := "old protocol versions"
		if hello != nil && len(hello.SupportedVersions) > 0 {
			var names []string
			for _, v := range hello.SupportedVersions {
				names = append(names, tls.VersionName(v))
			}
			offered = strings.Join(names, ", ")
		}
		return fmt.Sprintf("the client offers only %s; siphon speaks TLS 1.2 and 1.3: enable TLS 1.2 in the client, or %s", offered, passHint)
	case strings.Contains(msg, "unsupported application protocols"):
		offered := "protocols"
		if hello != nil {
			offered = strings.Join(hello.SupportedProtos, ", ")
		}
		return fmt.Sprintf("the client offers only %s in ALPN; siphon speaks h2 and http/1.1: %s", offered, passHint)
	case strings.Contains(msg, "no cipher suite"):
		return "the client offers no cipher suite siphon can use with its ECDSA certificates (TLS 1.3, or TLS 1.2 ECDHE-ECDSA with AES-GCM or ChaCha20-Poly1305): enable one in the client, or " + passHint
	case strings.Contains(msg, "curve"):
		return "the client offers no key exchange group siphon supports (X25519, P-256, P-384, P-521): enable one in the client, or " + passHint
	case strings.Contains(msg, "certs:"):
		return "siphon could not make a certificate for this host: " + passHint
	case strings.Contains(msg, "first record does not look like a TLS handshake"), strings.Contains(msg, "timeout"):
		return "the client did not complete a TLS handshake through the tunnel"
	}
	return "the client rejected siphon's certificate: install siphon's CA (siphon ca path, or http://siphon.cert/ through the proxy), or, if the app pins certificates, pass the host through: P on this flow in siphon's UI, --auto-passthrough, or --ignore-hosts"
}
