package mitm

import (
	"crypto/tls"
	"fmt"
	"net"
	"strings"
)

// passReason says why the tunnel to target (host:port) passes through
// untouched, or "" when siphon intercepts it. The reason becomes the
// tunnel flow's comment, so that the user sees why it was not decrypted.
func (p *Proxy) passReason(target string) string {
	for _, re := range p.cfg.IgnoreHosts {
		if re.MatchString(target) {
			return fmt.Sprintf("not intercepted: %s matches --ignore-hosts %s", target, re)
		}
	}
	if p.cfg.Passthrough.Contains(target) {
		host, _, _ := net.SplitHostPort(target)
		return fmt.Sprintf("not intercepted: %s is on siphon's passthrough list", PassthroughHost(host))
	}
	return ""
}

// autoPassthrough adds target's host to the passthrough set after a
// client rejected siphon's certificate for it, with --auto-passthrough,
// and returns the note for the failed flow ("" when nothing was added). A
// handshake that never started (no client hello, or a timeout) is not a
// rejection: passing the host through would not help.
func (p *Proxy) autoPassthrough(target string, err error, hello *tls.ClientHelloInfo) string {
	if !p.cfg.AutoPassthrough || hello == nil || strings.Contains(err.Error(), "timeout") {
		return ""
	}
	host, _, _ := net.SplitHostPort(target)
	if !p.cfg.Passthrough.Add(host) {
		return ""
	}
	return fmt.Sprintf("--auto-passthrough: %s passes through from now on", PassthroughHost(host))
}
