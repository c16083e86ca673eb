package rules

import (
	"regexp"
	"testing"

	"github.com/siphonproxy/siphon/filter"
	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
)

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// The match made from a flow parses and matches the flow it came from,
// whatever its URL holds.
func TestMatchForFlow(t *testing.T) {
	for _, u := range []string{
		"https://api.example.com/v1/users?x=1",
		"http://127.0.0.1:8080/",
		"http://h.test/a b/(c)/it's~/\"q\"",
		"http://[::1]:9/x%2Fy",
	} {
		f := &session.Flow{Request: &session.Request{Method: "GET", URL: u}}
		expr := matchFor(f)
		r, err := newRule("t", expr, "breakpoint: request")
		if err != nil {
			t.Errorf("%s: %q: %v", u, expr, err)
			continue
		}
		flt, err := filter.Parse(r.Match)
		if err != nil || !flt.Match(f) {
			t.Errorf("%s: %q does not match its flow (%v)", u, expr, err)
		}
	}
	if got := ruleName(nil, []intercept.RuleStatus{{Added: true, Rule: &intercept.Rule{Name: "rule"}}}); got != "rule (2)" {
		t.Errorf("second unnamed rule: %q", got)
	}
}

// The match made from a flow takes its scheme, port and path: it matches
// the flow (with any query, and with its default port written or not),
// and not the same path on another scheme or port, nor another path.
func TestMatchForSchemeAndPort(t *testing.T) {
	for _, c := range []struct {
		flow      string
		match, no []string
	}{
		{"https://host.test:8443/path",
			[]string{"https://host.test:8443/path?q=1", "HTTPS://HOST.test:8443/path#top"},
			[]string{"http://host.test/path", "http://host.test:8443/path", "https://host.test/path",
				"https://host.test:9443/path", "https://host.test:8443/path/more", "https://host.test:8443/pathx",
				"https://host.test:84430/path", "https://evil.test/?https://host.test:8443/path"}},
		{"https://host.test/path",
			[]string{"https://host.test:443/path", "https://host.test/path?x"},
			[]string{"http://host.test/path", "https://host.test:8443/path", "http://host.test:443/path"}},
		{"http://host.test:80/",
			[]string{"http://host.test", "http://host.test/", "http://host.test/?a=b"},
			[]string{"https://host.test/", "http://host.test:8080/", "http://host.test/other"}},
		{"http://[::1]:9/x%2Fy",
			[]string{"http://[::1]:9/x%2Fy"},
			[]string{"http://[::1]:8/x%2Fy", "https://[::1]:9/x%2Fy", "http://[::1]:9/x/y"}},
	} {
		f := &session.Flow{Request: &session.Request{Method: "PUT", URL: c.flow}}
		expr := matchFor(f)
		r, err := newRule("t", expr, "breakpoint: request")
		if err != nil {
			t.Fatalf("%s: %q: %v", c.flow, expr, err)
		}
		flt, err := filter.Parse(r.Match)
		must(t, err)
		for _, u := range append([]string{c.flow}, c.match...) {
			if !flt.Match(&session.Flow{Request: &session.Request{Method: "PUT", URL: u}}) {
				t.Errorf("%q (from %s) does not match %s", expr, c.flow, u)
			}
		}
		for _, u := range c.no {
			if flt.Match(&session.Flow{Request: &session.Request{Method: "PUT", URL: u}}) {
				t.Errorf("%q (from %s) matches %s", expr, c.flow, u)
			}
		}
		if flt.Match(&session.Flow{Request: &session.Request{Method: "GET", URL: c.flow}}) {
			t.Errorf("%q matches another method", expr)
		}
	}
}

// quoteArg's quoted strings read back as the regex quoted: a regex's
// escapes keep their meaning, and backslashes and quotes survive.
func TestQuoteArgRoundTrip(t *testing.T) {
	url := func(path string) *session.Flow {
		return &session.Flow{Request: &session.Request{Method: "GET", URL: "http://h.test/" + path}}
	}
	for _, text := range []string{`a b`, `(x)`, `it's`, `"q"`, `\`, `end\`, `a\'b`, `a\"b`, `\\'`, `~d x`} {
		flt, err := filter.Parse("~u " + quoteArg(regexp.QuoteMeta(text)+"$"))
		if err != nil {
			t.Errorf("%q: %v", text, err)
			continue
		}
		if !flt.Match(url(text)) || flt.Match(url(text+"x")) {
			t.Errorf("%q quoted as %s does not match exactly", text, quoteArg(regexp.QuoteMeta(text)+"$"))
		}
	}
	flt, err := filter.Parse("~u " + quoteArg(`a \.$`))
	must(t, err)
	if !flt.Match(url("a .")) || flt.Match(url("a x")) {
		t.Errorf(`%s: \. is not an escaped dot`, quoteArg(`a \.$`))
	}
}
