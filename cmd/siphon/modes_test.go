package main

import (
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/mitm"
)

func TestParseMode(t *testing.T) {
	const listen = "127.0.0.1:8080"
	tests := []struct {
		in, addr, mode string
		kind           mitm.ModeKind
	}{
		{"regular", listen, "regular", mitm.Regular},
		{"regular@9090", "127.0.0.1:9090", "regular", mitm.Regular},
		{"socks5", listen, "socks5", mitm.SOCKS5},
		{"socks5@0.0.0.0:1080", "0.0.0.0:1080", "socks5", mitm.SOCKS5},
		{"socks5@[::1]:1080", "[::1]:1080", "socks5", mitm.SOCKS5},
		{"reverse:https://api.example.com", listen, "reverse:https://api.example.com", mitm.Reverse},
		{"reverse:http://127.0.0.1:3000/v1@8081", "127.0.0.1:8081", "reverse:http://127.0.0.1:3000/v1", mitm.Reverse},
		{"reverse:https://[::1]:8443@127.0.0.2:0", "127.0.0.2:0", "reverse:https://[::1]:8443", mitm.Reverse},
	}
	for _, tt := range tests {
		got, err := parseMode(tt.in, listen)
		if err != nil || got.addr != tt.addr || got.mode.String() != tt.mode || got.mode.Kind != tt.kind {
			t.Errorf("parseMode(%q) = %+v %q, %v; want %s on %s", tt.in, got.mode, got.addr, err, tt.mode, tt.addr)
		}
	}
	for _, bad := range []string{"", "bogus", "socks4", "reverse", "reverse:", "reverse:ftp://x", "reverse:https://", "reverse:api.example.com",
		"regular:x", "socks5:x", "socks5@", "socks5@x", "socks5@70000", "socks5@host:port", "regular@1.2.3.4"} {
		if got, err := parseMode(bad, listen); err == nil {
			t.Errorf("parseMode(%q) = %+v on %s, want an error", bad, got.mode, got.addr)
		}
	}
}

// TestModesNeedProxyAuth: a proxy listener (regular or socks5) beyond
// loopback needs --proxy-auth, a reverse one does not.
func TestModesNeedProxyAuth(t *testing.T) {
	tests := []struct {
		modes []string
		ok    bool
	}{
		{[]string{"regular@127.0.0.1:0", "reverse:http://127.0.0.1:1@0.0.0.0:0"}, true},
		{[]string{"regular@127.0.0.1:0", "socks5@0.0.0.0:0"}, false},
		{[]string{"socks5@127.0.0.1:0", "regular@0.0.0.0:0"}, false},
		{[]string{"socks5@127.0.0.1:0"}, true},
	}
	for _, tt := range tests {
		o := proxyOptions{listen: "127.0.0.1:8080", modes: tt.modes}
		_, err := o.check()
		if (err == nil) != tt.ok || (err != nil && !strings.Contains(err.Error(), "--proxy-auth")) {
			t.Errorf("%v: %v", tt.modes, err)
		}
	}
}
