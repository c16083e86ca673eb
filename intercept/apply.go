package intercept

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/siphonproxy/siphon/session"
)

// applyRequest changes r in place. It returns why part of the rewrite was
// skipped ("" when all of it applied).
func (cr *compiledRewrite) applyRequest(r *session.Request) string {
	cr.applyHeader(r.Header)
	return cr.applyBody(r.Header, &r.Body)
}

// applyResponse changes r in place, as applyRequest.
func (cr *compiledRewrite) applyResponse(r *session.Response) string {
	if cr.status != 0 {
		r.Status, r.Reason = cr.status, http.StatusText(cr.status)
	}
	cr.applyHeader(r.Header)
	return cr.applyBody(r.Header, &r.Body)
}

func (cr *compiledRewrite) applyHeader(h http.Header) {
	for _, name := range cr.remove {
		h.Del(name)
	}
	for name, vs := range cr.set {
		h[name] = append([]string(nil), vs...)
	}
}

// applyBody runs the regex replacements over the body's decoded text. A
// compressed body is sent on decoded (without Content-Encoding), which
// every client accepts and saves re-encoding it.
func (cr *compiledRewrite) applyBody(h http.Header, b *session.Body) string {
	if len(cr.replace) == 0 {
		return ""
	}
	if b.Unloaded || b.Truncated {
		return "body not replaced: it is larger than the capture limit"
	}
	enc := session.ContentEncoding(h)
	text, err := b.Decode(enc)
	if err != nil {
		return "body not replaced: " + err.Error()
	}
	out := text
	for _, rp := range cr.replace {
		out = rp.re.ReplaceAll(out, rp.with)
	}
	if enc != "" {
		h.Del("Content-Encoding")
	}
	if h.Get("Content-Length") != "" {
		h.Set("Content-Length", strconv.Itoa(len(out)))
	}
	*b = session.Body{Data: out, Size: int64(len(out))}
	return ""
}

// remap sends raw to the scheme, host and port of to, with to's path as a
// prefix of raw's path; query and the rest of the path are kept.
func remap(raw string, to *url.URL) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	n := *u
	n.Scheme, n.Host = to.Scheme, to.Host
	prefix := strings.TrimSuffix(to.Path, "/")
	n.Path = prefix + u.Path
	n.RawPath = ""
	if u.RawPath != "" || to.RawPath != "" {
		n.RawPath = strings.TrimSuffix(to.EscapedPath(), "/") + u.EscapedPath()
	}
	if n.Path == "" {
		n.Path = "/"
	}
	return n.String()
}
