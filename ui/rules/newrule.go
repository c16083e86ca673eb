package rules

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/style"
)

// newRule reads a rule from its match expression and one action written
// as in a rules file ("breakpoint: request", "block: 403",
// "mock: {status: 200, body: hi}").
func newRule(name, match, action string) (*intercept.Rule, error) {
	doc := "- name: " + strconv.Quote(name) + "\n  match: " + strconv.Quote(match) + "\n  " + action + "\n"
	rules, err := intercept.Parse([]byte(doc), "new rule", ".")
	if err != nil {
		var fe *intercept.FileError
		if errors.As(err, &fe) {
			return nil, errors.New(fe.Msg)
		}
		return nil, err
	}
	if len(rules) != 1 {
		return nil, errors.New("want one action, as in: breakpoint: request")
	}
	return rules[0], nil
}

// matchFor is a filter expression that matches requests like f: the same
// method, and the same scheme, host, port and path (any query), as one
// ~u regex anchored on the URL as recorded. A default port may be written
// or not ("https://h/" is "https://h:443/"), so either matches.
func matchFor(f *session.Flow) string {
	if f == nil || f.Request == nil {
		return ""
	}
	expr := "~m " + quoteArg("^"+regexp.QuoteMeta(f.Request.Method)+"$")
	if re := urlRegex(f.Request.URL); re != "" {
		expr += " & ~u " + quoteArg(re)
	}
	return expr
}

// defaultPort is the port a URL of scheme (lower case) may leave out; ""
// for a scheme without one.
func defaultPort(scheme string) string {
	switch scheme {
	case "http", "ws":
		return "80"
	case "https", "wss":
		return "443"
	}
	return ""
}

// urlRegex is a regex that matches raw's scheme, authority and path, with
// any query or fragment; "" when raw is not absolute. It works on the URL
// as recorded, not as url.URL would re-escape it.
func urlRegex(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok || scheme == "" {
		return ""
	}
	authority, path := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	host, port := authority, ""
	if i := strings.LastIndexByte(authority, ':'); i >= 0 && i > strings.LastIndexByte(authority, ']') {
		host, port = authority[:i], authority[i+1:]
	}
	re := "^" + regexp.QuoteMeta(scheme) + "://" + regexp.QuoteMeta(host)
	switch def := defaultPort(strings.ToLower(scheme)); {
	case def != "" && (port == "" || port == def):
		re += "(:" + def + ")?"
	case port != "":
		re += regexp.QuoteMeta(":" + port)
	}
	if path == "" || path == "/" {
		re += "/?"
	} else {
		re += regexp.QuoteMeta(path)
	}
	return re + "([?#]|$)"
}

// quoteArg quotes a filter argument when it holds what ends a word. In
// quotes a backslash stands for itself unless it escapes a backslash or a
// quote, so a regex's escapes are written once.
func quoteArg(s string) string {
	if !strings.ContainsAny(s, " \t()~'\"") && !strings.HasPrefix(s, "&") && !strings.HasPrefix(s, "|") {
		return s
	}
	var b strings.Builder
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			b.WriteString(`\'`)
		case c == '\\' && (i+1 == len(s) || strings.IndexByte(`\'"`, s[i+1]) >= 0):
			b.WriteString(`\\`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// ruleName names a rule after the flow it is made from, unique among the
// rules added here.
func ruleName(f *session.Flow, rules []intercept.RuleStatus) string {
	base := "rule"
	if f != nil && f.Request != nil {
		base = f.Request.Method
		if u, err := url.Parse(f.Request.URL); err == nil {
			base += " " + u.Host + u.Path
		}
		base = style.CapText(style.Printable(base), 60)
	}
	taken := map[string]bool{}
	for _, r := range rules {
		if r.Added {
			taken[r.Rule.Name] = true
		}
	}
	name := base
	for i := 2; taken[name]; i++ {
		name = fmt.Sprintf("%s (%d)", base, i)
	}
	return name
}
