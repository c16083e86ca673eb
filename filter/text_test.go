package filter

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestHostOf(t *testing.T) {
	for _, raw := range []string{
		"https://example.com/path",
		"https://Example.COM:8443/path?q=1#frag",
		"http://user:pw@host.test:80/",
		"http://user@host.test",
		"http://[::1]:8080/x",
		"http://[fe80::1%25en0]/",
		"http://127.0.0.1:3000",
		"http://host.test?q=a/b",
		"http://host.test#a/b",
		"ws://chat.example.com/socket",
		"git+ssh://host.test/repo",
		"http://host.test:/",
		"//host.test/relative-scheme",
		"https://",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("url.Parse(%q): %v", raw, err)
		}
		want := u.Hostname()
		if raw == "http://[fe80::1%25en0]/" {
			want = "fe80::1%25en0" // url unescapes the zone; hostOf leaves it
		}
		if got := hostOf(raw); got != want {
			t.Errorf("hostOf(%q) = %q, want %q", raw, got, want)
		}
	}
	for _, raw := range []string{"", "example.com/path", "/path", "1http://x/", "h%://x/", "mailto:a@b"} {
		if got := hostOf(raw); got != "" {
			t.Errorf("hostOf(%q) = %q, want no host", raw, got)
		}
	}
}

// TestLiteralSearch checks that searching literals without the regexp
// engine gives the regexp's answers, including Unicode case folding.
func TestLiteralSearch(t *testing.T) {
	subjects := []string{
		"", "example", "EXAMPLE.com", "an ExAmPlE here", "exampl", "xexample",
		"\u212a", "k", "K", "kelvin \u212a", "\u017f", "s", "S", "caf\u00e9", "\xff\xfe k",
		"post", "POST", "PoSt /x", "/api/v2/users", "/API/V10/USERS", "/api/v/users",
		"api.example.com", "api-example.com", "K\u017f\u017fk", "Kssk",
	}
	patterns := []struct {
		pattern  string
		whole    string // the literal that is the whole regex
		required string // the literal that every match contains
	}{
		{"example", "example", ""},
		{"k", "k", ""},
		{"s", "s", ""},
		{"post", "post", ""},
		{"(?-i)POST", "POST", ""},
		{"(?-i)k", "k", ""},
		{"caf\u00e9", "", ""},
		{"ex.mple", "", "mple"},
		{"^/api/v[0-9]+/users$", "", "/api/v"}, // the first of the longest
		{`^api\.example\.com$`, "", "api.example.com"},
		{"(?-i)Ks+k", "", "K"},
		{"a|b", "", ""},
		{"", "", ""},
	}
	for _, p := range patterns {
		tx, err := compileText(p.pattern, "i")
		if err != nil {
			t.Fatal(err)
		}
		if got := litText(tx.whole); got != p.whole {
			t.Errorf("compileText(%q): whole literal %q, want %q", p.pattern, got, p.whole)
		}
		if got := litText(tx.required); got != p.required {
			t.Errorf("compileText(%q): required literal %q, want %q", p.pattern, got, p.required)
		}
		for _, s := range subjects {
			if got, want := tx.matchString(s), tx.re.MatchString(s); got != want {
				t.Errorf("%q on %q: matchString %v, regexp %v", p.pattern, s, got, want)
			}
			if got, want := tx.matchBytes([]byte(s)), tx.re.MatchString(s); got != want {
				t.Errorf("%q on %q: matchBytes %v, regexp %v", p.pattern, s, got, want)
			}
		}
	}
}

func litText(l *literal) string {
	if l == nil {
		return ""
	}
	return l.s
}

// TestLiteralSearchRandom compares the literal search with the regexp on
// random subjects made of letters that fold in surprising ways.
func TestLiteralSearchRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"a", "A", "k", "K", "s", "S", "\u212a", "\u017f", " ", "x", "\u00e9", "\xff", "-"}
	var texts []*text
	for _, p := range []string{"a", "ak", "KS", "sa", "x a", "aaa", "-k", "k", "(?-i)aK", "^ak", "a.k", "s+k$", "(?-i)k.s"} {
		tx, err := compileText(p, "i")
		if err != nil || tx.whole == nil && tx.required == nil {
			t.Fatalf("compileText(%q): no literal, %v", p, err)
		}
		texts = append(texts, tx)
	}
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		s := b.String()
		for _, tx := range texts {
			want := tx.re.MatchString(s)
			if got := tx.matchString(s); got != want {
				t.Fatalf("%q on %q: matchString %v, regexp %v", tx.src, s, got, want)
			}
			if got := tx.matchBytes([]byte(s)); got != want {
				t.Fatalf("%q on %q: matchBytes %v, regexp %v", tx.src, s, got, want)
			}
		}
	}
}

func TestHeaderLines(t *testing.T) {
	h := http.Header{"X-One": {"a", "b"}, "X-Two": {"c"}}
	for pattern, want := range map[string]bool{
		"^x-one: b$":   true,
		"^x-two: c$":   true,
		"x-one: a, b":  false, // each value is its own line
		"a.x-one":      false, // lines are matched one at a time
		"(?-i)^X-Two:": true,
		"(?-i)^x-two:": false,
	} {
		tx, err := compileText(pattern, "i")
		if err != nil {
			t.Fatal(err)
		}
		if got := tx.matchHeader(h); got != want {
			t.Errorf("matchHeader(%q) = %v, want %v", pattern, got, want)
		}
	}
}

// TestConcurrentMatch shares one Filter between goroutines, for the race
// detector: header matching reuses buffers through a sync.Pool.
func TestConcurrentMatch(t *testing.T) {
	f, err := Parse(`~h "^server: nginx$" | ~hq "user-agent: x" | ~b ada | ~d example`)
	if err != nil {
		t.Fatal(err)
	}
	flows := sampleFlows(t)
	want := make([]bool, len(flows))
	for i, fl := range flows {
		want[i] = f.Match(fl)
	}
	errs := make(chan string, 8)
	for range 8 {
		go func() {
			for range 200 {
				for i, fl := range flows {
					if f.Match(fl) != want[i] {
						errs <- fmt.Sprintf("flow %d: result changed", i)
						return
					}
				}
			}
			errs <- ""
		}()
	}
	for range 8 {
		if msg := <-errs; msg != "" {
			t.Error(msg)
		}
	}
}
