package filter

import (
	"net/http"
	"strings"

	"github.com/siphonproxy/siphon/session"
)

// Operators with a regex. Each guards against a missing request or
// response: tunnels may have neither.

func matchURL(t *text, f *session.Flow) bool {
	return f.Request != nil && t.matchString(f.Request.URL)
}

func matchDomain(t *text, f *session.Flow) bool {
	return f.Request != nil && t.matchString(hostOf(f.Request.URL))
}

func matchMethod(t *text, f *session.Flow) bool {
	return f.Request != nil && t.matchString(f.Request.Method)
}

// The header operators match trailer lines too: gRPC's grpc-status and
// grpc-message, and most custom metadata of a call, arrive as trailers.

func matchHeader(t *text, f *session.Flow) bool {
	return matchRequestHeader(t, f) || matchResponseHeader(t, f)
}

func matchRequestHeader(t *text, f *session.Flow) bool {
	r := f.Request
	return r != nil && (t.matchHeader(r.Header) || t.matchHeader(r.Trailer))
}

func matchResponseHeader(t *text, f *session.Flow) bool {
	r := f.Response
	return r != nil && (t.matchHeader(r.Header) || t.matchHeader(r.Trailer))
}

func matchType(t *text, f *session.Flow) bool {
	return matchRequestType(t, f) || matchResponseType(t, f)
}

func matchRequestType(t *text, f *session.Flow) bool {
	return f.Request != nil && matchContentType(t, f.Request.Header)
}

func matchResponseType(t *text, f *session.Flow) bool {
	return f.Response != nil && matchContentType(t, f.Response.Header)
}

// matchContentType matches each Content-Type value whole, parameters
// included, as mitmproxy does.
func matchContentType(t *text, h http.Header) bool {
	for _, v := range h["Content-Type"] { // canonical key: as h.Values, faster
		if t.matchString(v) {
			return true
		}
	}
	return false
}

func matchBody(t *text, f *session.Flow) bool {
	return requestBody(t, f) || responseBody(t, f) || matchWSMessages(t, f, anyDir)
}

func matchRequestBody(t *text, f *session.Flow) bool {
	return requestBody(t, f) || matchWSMessages(t, f, session.Up)
}

func matchResponseBody(t *text, f *session.Flow) bool {
	return responseBody(t, f) || matchWSMessages(t, f, session.Down)
}

func requestBody(t *text, f *session.Flow) bool {
	r := f.Request
	return r != nil && t.matchBytes(bodyText(r.Header, r.Body, r.Text))
}

func responseBody(t *text, f *session.Flow) bool {
	r := f.Response
	return r != nil && t.matchBytes(bodyText(r.Header, r.Body, r.Text))
}

// bodyText returns a body decoded by decode when it has a Content-Encoding,
// and its stored bytes when it has none or decoding fails.
func bodyText(h http.Header, b session.Body, decode func() ([]byte, error)) []byte {
	if len(h["Content-Encoding"]) == 0 {
		return b.Data
	}
	if text, err := decode(); err == nil {
		return text
	}
	return b.Data
}

func matchSource(t *text, f *session.Flow) bool {
	return f.Client.Addr != "" && t.matchString(f.Client.Addr)
}

func matchDestination(t *text, f *session.Flow) bool {
	return f.Server.Addr != "" && t.matchString(f.Server.Addr)
}

func matchComment(t *text, f *session.Flow) bool {
	return t.matchString(f.Comment)
}

// hostOf returns the host of an absolute URL without its port or IPv6
// brackets, as (*url.URL).Hostname does, but without parsing the rest of
// the URL or allocating: ~d runs on every flow. It returns "" when raw has
// no authority ("scheme://" or "//").
func hostOf(raw string) string {
	i := strings.Index(raw, "//")
	if i < 0 || i > 0 && !isScheme(raw[:i]) {
		return ""
	}
	h := raw[i+2:]
	for j := 0; j < len(h); j++ {
		if c := h[j]; c == '/' || c == '?' || c == '#' {
			h = h[:j]
			break
		}
	}
	if at := strings.LastIndexByte(h, '@'); at >= 0 {
		h = h[at+1:]
	}
	if strings.HasPrefix(h, "[") {
		if end := strings.IndexByte(h, ']'); end >= 0 {
			return h[1:end]
		}
		return h[1:]
	}
	if colon := strings.LastIndexByte(h, ':'); colon >= 0 && isPort(h[colon+1:]) {
		h = h[:colon]
	}
	return h
}

// isScheme reports whether s is "scheme:", as in "https:".
func isScheme(s string) bool {
	if len(s) < 2 || s[len(s)-1] != ':' || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		c := s[i]
		if !isLetter(c) && !('0' <= c && c <= '9') && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

func isPort(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
