package testutil

import (
	"bytes"
	"maps"
	"net/http"
	"slices"
	"testing"
)

// Request is a request as a RecordingOrigin received it.
type Request struct {
	Method string
	URL    string // scheme://host and the request URI, as on the request line
	Header http.Header
	Body   []byte
}

// hopByHop are the headers that belong to one connection or one proxy
// hop (RFC 9110, section 7.6.1, and the proxy ones): a replay or an
// exported command need not reproduce them.
var hopByHop = []string{
	"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization", "Proxy-Authenticate",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// SameRequest reports an error unless two requests an origin received are
// the same in method, URL, end-to-end headers and body; what names the
// comparison in the messages. Headers in ignore are left out too, for
// those a client computes (Content-Length, User-Agent). Go's server hands
// headers over as a map, so their order on the wire cannot be compared.
func SameRequest(t testing.TB, what string, got, want Request, ignore ...string) {
	t.Helper()
	if got.Method != want.Method {
		t.Errorf("%s: method %q, want %q", what, got.Method, want.Method)
	}
	if got.URL != want.URL {
		t.Errorf("%s: URL\n %q\nwant %q", what, got.URL, want.URL)
	}
	g, w := endToEnd(got.Header, ignore), endToEnd(want.Header, ignore)
	for _, k := range slices.Sorted(maps.Keys(w)) {
		if !slices.Equal(g[k], w[k]) {
			t.Errorf("%s: header %s = %q, want %q", what, k, g[k], w[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(g)) {
		if _, ok := w[k]; !ok {
			t.Errorf("%s: extra header %s: %q", what, k, g[k])
		}
	}
	if !bytes.Equal(got.Body, want.Body) {
		t.Errorf("%s: body %d bytes %q, want %d bytes %q", what, len(got.Body), clip(got.Body), len(want.Body), clip(want.Body))
	}
}

// endToEnd is h without the hop-by-hop headers and those in ignore.
func endToEnd(h http.Header, ignore []string) http.Header {
	c := h.Clone()
	for _, n := range slices.Concat(hopByHop, ignore) {
		c.Del(n)
	}
	return c
}

// clip keeps a message about a body short.
func clip(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}
