package certs

import (
	"fmt"
	"net/netip"
	"strings"
)

// host is a host normalised for minting: the name or address a leaf is made
// for, which is also its cache key.
type host struct {
	key string     // lower-case DNS name, or the canonical text of ip
	ip  netip.Addr // valid when the host is an IP literal
}

// isIP reports whether h is an IP literal rather than a DNS name.
func (h host) isIP() bool { return h.ip.IsValid() }

// parseHost normalises s, which may be a DNS name, an IPv4 literal, a bare or
// bracketed IPv6 literal, any of them with a ":port" (as in a CONNECT target
// or a Host header), or an SNI value. Names are lower-cased and lose a
// trailing dot; IPv6 zones are dropped and IPv4-mapped addresses unmapped,
// since neither can appear in an IP SAN.
//
// An IPv4 literal with a trailing dot ("1.2.3.4.") is that address, as the
// WHATWG URL standard and so every browser read it: treated as a name it
// would get a DNS SAN no client matches against an address, and its key
// would be the address's key, so one cache entry would hold two leaves.
func parseHost(s string) (host, error) {
	name, bracketed, err := splitPort(s)
	if err != nil {
		return host{}, err
	}
	if ip, ok := parseIP(name, bracketed); ok {
		return host{key: ip.String(), ip: ip}, nil
	}
	if bracketed {
		return host{}, fmt.Errorf("certs: invalid host %q: brackets hold no IP address", s)
	}
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if !validName(name) {
		return host{}, fmt.Errorf("certs: invalid host %q", s)
	}
	return host{key: name}, nil
}

// parseIP returns the address in name, if it is an IP literal. Outside
// brackets a dotted IPv4 literal may end in the DNS root's dot; an IPv6
// literal may not, as no standard writes one so.
func parseIP(name string, bracketed bool) (netip.Addr, bool) {
	if !bracketed && strings.IndexByte(name, ':') < 0 {
		name = strings.TrimSuffix(name, ".")
	}
	if !mayBeIP(name) {
		return netip.Addr{}, false
	}
	ip, err := netip.ParseAddr(name)
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.WithZone("").Unmap(), true
}

// mayBeIP reports whether s could be an IP literal: IPv6 has a colon and
// IPv4 ends in a digit. It spares most names a ParseAddr, whose error
// allocates on every cache hit.
func mayBeIP(s string) bool {
	return strings.IndexByte(s, ':') >= 0 || s != "" && '0' <= s[len(s)-1] && s[len(s)-1] <= '9'
}

// splitPort removes brackets and a port from s. A bare IPv6 literal (several
// colons, no brackets) is returned whole.
func splitPort(s string) (name string, bracketed bool, err error) {
	if rest, ok := strings.CutPrefix(s, "["); ok {
		inner, after, ok := strings.Cut(rest, "]")
		if !ok {
			return "", false, fmt.Errorf("certs: invalid host %q: no closing bracket", s)
		}
		if after != "" {
			port, ok := strings.CutPrefix(after, ":")
			if !ok || !validPort(port) {
				return "", false, fmt.Errorf("certs: invalid port in host %q", s)
			}
		}
		return inner, true, nil
	}
	if strings.Count(s, ":") == 1 {
		name, port, _ := strings.Cut(s, ":")
		if !validPort(port) {
			return "", false, fmt.Errorf("certs: invalid port in host %q", s)
		}
		return name, false, nil
	}
	return s, false, nil
}

// validPort reports whether p is a decimal port number (or empty, which
// net.SplitHostPort also accepts).
func validPort(p string) bool {
	if len(p) > 5 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}

// validName reports whether name, already lower-cased, can go in a DNS SAN:
// dot-separated labels of letters, digits, hyphens and underscores (which
// real hosts use, and which Go's verifier accepts). Internationalised names
// must arrive as A-labels (xn--...), as SNI and CONNECT carry them.
func validName(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
