package replay

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/siphonproxy/siphon/session"
)

// Errors of flows that cannot be reproduced as they were captured.
var (
	// ErrNoRequest: the flow has no request to reproduce.
	ErrNoRequest = errors.New("replay: flow has no request")
	// ErrNoResponse: the flow has no response to export.
	ErrNoResponse = errors.New("replay: flow has no response")
	// ErrNotHTTP: tunnels and WebSockets are not single requests.
	ErrNotHTTP = errors.New("replay: not a plain HTTP exchange")
	// ErrTruncated: the captured body stops at the capture limit, so the
	// request cannot be sent as it was.
	ErrTruncated = errors.New("replay: request body truncated at the capture limit")
	// ErrUnloaded: the flow came from Store.List; Store.Get loads bodies.
	ErrUnloaded = errors.New("replay: body not loaded (get the flow from the store first)")
)

// hopByHop are the headers that belong to one connection, not to the
// request (RFC 9110 §7.6.1), plus the proxy's own.
var hopByHop = []string{
	"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization", "Proxy-Authenticate",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// header is one header line to reproduce.
type header struct{ name, value string }

// requestHeaders lists the end-to-end headers of q in the order siphon
// recorded them: net/http keeps headers in a map, so the order on the wire
// is lost and names come sorted, each name's values in their order.
// Hop-by-hop headers (and those Connection names) are left out, and so are
// the names in skip.
func requestHeaders(q *session.Request, skip ...string) []header {
	drop := map[string]bool{}
	for _, n := range hopByHop {
		drop[n] = true
	}
	for _, v := range q.Header.Values("Connection") {
		for n := range strings.SplitSeq(v, ",") {
			drop[http.CanonicalHeaderKey(strings.TrimSpace(n))] = true
		}
	}
	for _, n := range skip {
		drop[http.CanonicalHeaderKey(n)] = true
	}
	var out []header
	for _, k := range slices.Sorted(mapKeys(q.Header)) {
		if drop[http.CanonicalHeaderKey(k)] {
			continue
		}
		for _, v := range q.Header[k] {
			out = append(out, header{k, v})
		}
	}
	return out
}

func mapKeys(h http.Header) func(yield func(string) bool) {
	return func(yield func(string) bool) {
		for k := range h {
			if !yield(k) {
				return
			}
		}
	}
}

// has reports whether q carries a header name (in any case).
func has(h http.Header, name string) bool {
	_, ok := h[http.CanonicalHeaderKey(name)]
	if ok {
		return true
	}
	for k := range h {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// sendable returns f's request if it can be sent again exactly: an HTTP
// flow with its whole body loaded, and header lines a client can write.
func sendable(f *session.Flow) (*session.Request, error) {
	if f == nil || f.Request == nil {
		return nil, ErrNoRequest
	}
	q := f.Request
	if f.Kind != session.HTTP || q.Method == http.MethodConnect {
		return nil, fmt.Errorf("%w: %s flow %s", ErrNotHTTP, f.Kind, q.URL)
	}
	if q.Body.Unloaded {
		return nil, ErrUnloaded
	}
	if q.Body.Truncated {
		return nil, fmt.Errorf("%w: %d of %d bytes captured", ErrTruncated, len(q.Body.Data), q.Body.Size)
	}
	if !validMethod(q.Method) {
		return nil, fmt.Errorf("replay: method %q is not an HTTP token", q.Method)
	}
	for k, vs := range q.Header {
		if !validHeaderName(k) {
			return nil, fmt.Errorf("replay: header name %q cannot be sent", k)
		}
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n\x00") {
				return nil, fmt.Errorf("replay: header %s has a line break or NUL in its value", k)
			}
		}
	}
	return q, nil
}

func validMethod(m string) bool { return m != "" && validHeaderName(m) }

// validHeaderName reports whether s is an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// isHTTP2 reports whether proto, a request's protocol as siphon or a HAR
// file recorded it, is HTTP/2: Go says "HTTP/2.0", browsers' HAR files
// "h2" or "http/2.0".
func isHTTP2(proto string) bool {
	switch strings.ToLower(proto) {
	case "http/2.0", "http/2", "h2":
		return true
	}
	return false
}
