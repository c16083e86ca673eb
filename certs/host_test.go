package certs

import (
	"net/netip"
	"strings"
	"testing"
)

func TestParseHost(t *testing.T) {
	tests := []struct {
		in   string
		key  string
		isIP bool
	}{
		{"example.com", "example.com", false},
		{"EXAMPLE.com", "example.com", false},
		{"example.com.", "example.com", false},
		{"example.com:443", "example.com", false},
		{"example.com:", "example.com", false}, // as net.SplitHostPort allows
		{"localhost", "localhost", false},
		{"my_service.internal", "my_service.internal", false},
		{"xn--bcher-kva.example", "xn--bcher-kva.example", false},
		{"1.2.3.4", "1.2.3.4", true},
		{"1.2.3.4:8080", "1.2.3.4", true},
		{"::1", "::1", true},
		{"[::1]", "::1", true},
		{"[::1]:443", "::1", true},
		{"2001:DB8:0:0::1", "2001:db8::1", true},
		{"[fe80::1%eth0]:80", "fe80::1", true},
		{"::ffff:192.0.2.1", "192.0.2.1", true},
		{"[1.2.3.4]", "1.2.3.4", true},
		// A trailing dot after an IPv4 literal is the DNS root, dropped as
		// browsers drop it: the host is the address, never a name.
		{"1.2.3.4.", "1.2.3.4", true},
		{"0.0.0.0.", "0.0.0.0", true},
		{"10.0.0.1.:8443", "10.0.0.1", true},
		{"1.2.3.4.5.", "1.2.3.4.5", false}, // not an address: a name
		{"01.2.3.4.", "01.2.3.4", false},   // nor is this (no octal)
	}
	for _, tt := range tests {
		h, err := parseHost(tt.in)
		if err != nil {
			t.Errorf("parseHost(%q): %v", tt.in, err)
			continue
		}
		if h.key != tt.key || h.isIP() != tt.isIP {
			t.Errorf("parseHost(%q) = %q (IP %v), want %q (IP %v)", tt.in, h.key, h.isIP(), tt.key, tt.isIP)
		}
	}
}

func TestParseHostRejects(t *testing.T) {
	for _, in := range []string{
		"",
		".",
		":443",
		"example..com",
		".example.com",
		"exa mple.com",
		"example.com/path",
		"*.example.com",
		"bücher.example",
		"example.com:https",
		"example.com:123456",
		"[::1",
		"[::1]x",
		"[::1]:port",
		"[example.com]",
		"[]",
		"1.2.3.4..",
		"::1.",
		"[1.2.3.4.]",
		"[::1.]",
		strings.Repeat("a", 64) + ".com",
		strings.Repeat("abcdefghi.", 26) + "com",
	} {
		if h, err := parseHost(in); err == nil {
			t.Errorf("parseHost(%q) = %q, want an error", in, h.key)
		}
	}
}

func TestLeafRejectsBadHost(t *testing.T) {
	m := newTestMinter(t, newTestCA(t), 0)
	for _, in := range []string{"", "bad host", "[::1"} {
		if c, err := m.Leaf(in); err == nil || c != nil {
			t.Errorf("Leaf(%q) = %v, %v; want an error", in, c, err)
		} else if !strings.Contains(err.Error(), "certs:") {
			t.Errorf("Leaf(%q) error %q lacks the package prefix", in, err)
		}
	}
	if m.Minted() != 0 || m.Cached() != 0 {
		t.Errorf("bad hosts minted %d and cached %d leaves", m.Minted(), m.Cached())
	}
}

// FuzzParseHost checks that parseHost never panics, that what it accepts is
// already normal (parsing a key again gives the same key), and that accepted
// names fit a DNS SAN.
func FuzzParseHost(f *testing.F) {
	for _, s := range []string{
		"example.com", "Example.COM.:443", "1.2.3.4:80", "[::1]:443", "::1",
		"[fe80::1%eth0]", "::ffff:1.2.3.4", "[]", "[::1", "a..b", "x:y:z", "0.0.0.0.", "1.2.3.4.:80",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parseHost(s)
		if err != nil {
			return
		}
		again, err := parseHost(h.key)
		if err != nil || again != h {
			t.Fatalf("parseHost(%q) = %+v, but parseHost of its key = %+v, %v", s, h, again, err)
		}
		if !h.isIP() && !validName(h.key) {
			t.Fatalf("parseHost(%q) accepted invalid name %q", s, h.key)
		}
		// A name's key that read as an address would share a cache entry
		// with that address's leaf.
		if _, err := netip.ParseAddr(h.key); !h.isIP() && err == nil {
			t.Fatalf("parseHost(%q) = name %q, which is an IP literal", s, h.key)
		}
	})
}
