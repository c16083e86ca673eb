package connect

import (
	"slices"
	"testing"
)

func TestReachOf(t *testing.T) {
	lan := []string{"fd00::23", "192.168.1.23"}
	cases := []struct {
		listen   string
		loopback bool
		hosts    []string
		url      string // of the first host
	}{
		{"127.0.0.1:8080", true, nil, ""},
		{"[::1]:8080", true, nil, ""},
		{"localhost:9000", true, nil, ""},
		{"0.0.0.0:8080", false, []string{"192.168.1.23", "fd00::23"}, "http://192.168.1.23:8080/"},
		{"[::]:8080", false, []string{"192.168.1.23", "fd00::23"}, "http://192.168.1.23:8080/"},
		{":8080", false, []string{"192.168.1.23", "fd00::23"}, "http://192.168.1.23:8080/"},
		{"[fd00::23]:8443", false, []string{"fd00::23"}, "http://[fd00::23]:8443/"},
	}
	for _, tc := range cases {
		r := reachOf(tc.listen, lan)
		if r.loopback != tc.loopback || !slices.Equal(r.hosts, tc.hosts) {
			t.Errorf("reachOf(%s) = loopback %v hosts %q; want %v %q", tc.listen, r.loopback, r.hosts, tc.loopback, tc.hosts)
			continue
		}
		if len(r.hosts) > 0 && r.pageURL(r.hosts[0]) != tc.url {
			t.Errorf("reachOf(%s) URL %s, want %s", tc.listen, r.pageURL(r.hosts[0]), tc.url)
		}
	}
}
