package replay

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/siphonproxy/siphon/session"
)

// Match says what a recorded request must share with an incoming one for
// server replay to answer with its response. Method and URL always count:
// scheme, host (case-insensitive, default port implied), path exactly as
// escaped, and the query parameters in any order.
type Match struct {
	// Body requires equal bodies (compared decoded, so gzip and plain
	// uploads of the same bytes match).
	Body bool
	// Headers lists headers whose values must be equal (absent counts as
	// a value).
	Headers []string
}

// ParseMatch reads a --replay-match list: comma-separated "body" and
// "headers:NAME" items (one header each; repeat for more). "method" and
// "url" are accepted and always implied. An empty list is the default.
func ParseMatch(spec string) (Match, error) {
	var m Match
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		name, arg, hasArg := strings.Cut(item, ":")
		switch strings.ToLower(name) {
		case "":
			if hasArg {
				return Match{}, fmt.Errorf("replay match %q: want body or headers:NAME", item)
			}
		case "method", "url":
		case "body":
			m.Body = true
		case "header", "headers":
			arg = strings.TrimSpace(arg)
			if !validHeaderName(arg) {
				return Match{}, fmt.Errorf("replay match %q: want headers:NAME with a header name", item)
			}
			m.Headers = append(m.Headers, http.CanonicalHeaderKey(arg))
		default:
			return Match{}, fmt.Errorf("replay match %q: unknown item (want body or headers:NAME)", item)
		}
	}
	return m, nil
}

// String is the list form ParseMatch reads.
func (m Match) String() string {
	parts := []string{"method", "url"}
	if m.Body {
		parts = append(parts, "body")
	}
	for _, h := range m.Headers {
		parts = append(parts, "headers:"+h)
	}
	return strings.Join(parts, ",")
}

// requestKey is what of a request matching looks at.
type requestKey struct {
	method string
	scheme string
	host   string // lower case, with a port only when not the default
	path   string // escaped, as sent
	query  []string
	header map[string]string // only the matched headers
	body   [32]byte          // sha256 of the decoded body, when matched
	size   int               // decoded body length, for messages
}

// keyOf reduces a request to what m compares.
func keyOf(q *session.Request, m Match) requestKey {
	k := requestKey{method: strings.ToUpper(q.Method)}
	if u, err := url.Parse(q.URL); err == nil {
		k.scheme = strings.ToLower(u.Scheme)
		k.host = strings.ToLower(u.Hostname())
		if p := u.Port(); p != "" && !(k.scheme == "http" && p == "80") && !(k.scheme == "https" && p == "443") {
			k.host += ":" + p
		}
		k.path = u.EscapedPath()
		if k.path == "" {
			k.path = "/"
		}
		if u.RawQuery != "" {
			k.query = strings.Split(u.RawQuery, "&")
			slices.Sort(k.query)
		}
	} else {
		k.path = q.URL
	}
	if len(m.Headers) > 0 {
		k.header = map[string]string{}
		for _, h := range m.Headers {
			k.header[h] = strings.Join(q.Header.Values(h), ", ")
		}
	}
	if m.Body {
		data, err := q.Text()
		if err != nil {
			data = q.Body.Data
		}
		k.body, k.size = sha256.Sum256(data), len(data)
	}
	return k
}

// id is the key as a map key.
func (k *requestKey) id() string {
	var b strings.Builder
	b.WriteString(k.method + " " + k.scheme + "://" + k.host + k.path + "?" + strings.Join(k.query, "&"))
	for _, h := range slices.Sorted(func(yield func(string) bool) {
		for n := range k.header {
			if !yield(n) {
				return
			}
		}
	}) {
		fmt.Fprintf(&b, "\n%s: %q", h, k.header[h])
	}
	if k.size > 0 || k.body != [32]byte{} {
		fmt.Fprintf(&b, "\n%x", k.body)
	}
	return b.String()
}

// diff lists how got differs from a recorded key, most telling first.
func (k *requestKey) diff(rec *requestKey) []string {
	var d []string
	if k.method != rec.method {
		d = append(d, fmt.Sprintf("method %s, recorded %s", k.method, rec.method))
	}
	if k.scheme != rec.scheme {
		d = append(d, fmt.Sprintf("scheme %s, recorded %s", k.scheme, rec.scheme))
	}
	if k.host != rec.host {
		d = append(d, fmt.Sprintf("host %s, recorded %s", k.host, rec.host))
	}
	if k.path != rec.path {
		d = append(d, fmt.Sprintf("path %s, recorded %s", k.path, rec.path))
	}
	if !slices.Equal(k.query, rec.query) {
		d = append(d, fmt.Sprintf("query %q, recorded %q", strings.Join(k.query, "&"), strings.Join(rec.query, "&")))
	}
	for _, h := range slices.Sorted(func(yield func(string) bool) {
		for n := range k.header {
			if !yield(n) {
				return
			}
		}
	}) {
		if k.header[h] != rec.header[h] {
			d = append(d, fmt.Sprintf("header %s %q, recorded %q", h, k.header[h], rec.header[h]))
		}
	}
	if k.body != rec.body {
		d = append(d, fmt.Sprintf("body differs (%d bytes, recorded %d)", k.size, rec.size))
	}
	return d
}

// closeness scores how near a recorded key is to a request: the host and
// path count most, then the method, query parameters, headers and body.
func (k *requestKey) closeness(rec *requestKey) int {
	score := 0
	if k.host == rec.host {
		score += 1000
	}
	if k.scheme == rec.scheme {
		score += 10
	}
	if k.path == rec.path {
		score += 500
	} else {
		score += 20 * commonSegments(k.path, rec.path)
	}
	if k.method == rec.method {
		score += 100
	}
	for _, p := range k.query {
		if slices.Contains(rec.query, p) {
			score += 5
		}
	}
	for h, v := range k.header {
		if rec.header[h] == v {
			score += 5
		}
	}
	if k.body == rec.body {
		score += 5
	}
	return score
}

func commonSegments(a, b string) int {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	n := 0
	for n < len(as) && n < len(bs) && as[n] == bs[n] {
		n++
	}
	return n
}
