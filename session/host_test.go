package session

import (
	"net/url"
	"testing"
)

// hostSeeds are URLs of every shape plainHost reads and of many it leaves
// to url.Parse.
var hostSeeds = []string{
	"https://api.bench.test/v1/items/1?page=2", "http://example.com", "http://example.com:8080/x",
	"https://EXAMPLE.com?q", "https://a.com:/x", "https://:80/", "https:///path", "https://a.com:80:90/",
	"https://user:pw@a.com/", "https://[::1]:443/", "https://a.com/%zz", "https://a%2ecom/",
	"https://a.com/#frag", "https://a.com/a b", "https://a b.com/", "https://a.com/\x7f", "1http://a.com/",
	"ht_tp://a.com/", "://a.com", "a.com/x", "", "http://", "http://a.com:8x/", "h://x_y.z/", "https://a.com:99999/",
	"https://a.com\t/", "HTTP+S://host-1.example/p?q=1", "https://a.com?x/y:1", "https://a.com/?q=%zz",
}

// TestHostOfMatchesURLParse checks the fast path against url.Parse.
func TestHostOfMatchesURLParse(t *testing.T) {
	for _, raw := range hostSeeds {
		if got, want := hostOf(raw), parsedHost(raw); got != want {
			t.Errorf("hostOf(%q) = %q, url.Parse says %q", raw, got, want)
		}
	}
	if _, ok := plainHost("https://api.bench.test/v1/items/1?page=2"); !ok {
		t.Error("a plain URL went to url.Parse")
	}
}

func FuzzHostOf(f *testing.F) {
	for _, s := range hostSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if got, want := hostOf(raw), parsedHost(raw); got != want {
			t.Errorf("hostOf(%q) = %q, url.Parse says %q", raw, got, want)
		}
	})
}

func parsedHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
