package replay

import (
	"net/http"
	"strings"

	"github.com/siphonproxy/siphon/session"
)

// Curl returns a self-contained curl command that sends f's request as
// siphon recorded it; see CurlCommand.
func Curl(f *session.Flow) (string, error) {
	c, err := CurlCommand(f, ShellOptions{})
	if err != nil {
		return "", err
	}
	return c.Text, nil
}

// CurlCommand returns a curl command that reproduces f's request when run:
// the method, the URL as recorded (no globbing, dot segments kept), every
// end-to-end header in the order siphon recorded it (hop-by-hop ones
// left out; names sorted, since net/http does not keep the wire order),
// and the body byte for byte. Headers curl would add of its own
// (User-Agent, Accept, and with a body Content-Type and Expect) are
// switched off when the original lacked them. --compressed is added only
// when the original asked for a compressed response; -k never is.
//
// A request a client sent over HTTP/2 gets --http2 when it is HTTPS (curl
// then offers h2 in ALPN and falls back to HTTP/1.1). A plain-HTTP one
// does not: for http:// URLs --http2 sends an h2c upgrade, which adds
// headers the original lacked, and prior knowledge fails against most
// servers.
//
// Plain text bodies are a quoted --data-raw argument; other bodies go
// through opts.BodyFile or a printf pipe. f's bodies must be loaded
// (Store.Get); a truncated request body gives ErrTruncated.
func CurlCommand(f *session.Flow, opts ShellOptions) (*Command, error) {
	q, err := sendable(f)
	if err != nil {
		return nil, err
	}
	mode := planBody(q, opts)
	out := &Command{}
	var c commandLine
	switch mode {
	case pipedBody:
		c.add("printf", printfArg(q.Body.Data), "|", "curl", quote(q.URL))
	case fileBody:
		out.Body = q.Body.Data
		fallthrough
	default:
		c.add("curl", quote(q.URL))
	}
	if strings.ContainsAny(q.URL, "[]{}") {
		c.add("--globoff")
	}
	if urlNeedsPathAsIs(q.URL) {
		c.add("--path-as-is")
	}
	if isHTTP2(q.Proto) && strings.HasPrefix(strings.ToLower(q.URL), "https:") {
		c.add("--http2")
	}
	switch {
	case q.Method == http.MethodHead && mode == noBody:
		c.add("--head")
	case q.Method == http.MethodGet && mode == noBody:
	case q.Method == http.MethodPost && mode != noBody:
	default:
		c.add("-X", quote(q.Method))
	}
	for _, h := range requestHeaders(q, "Content-Length") {
		if h.value == "" {
			c.add("-H", quote(h.name+";")) // "Name:" would remove the header
		} else {
			c.add("-H", quote(h.name+": "+h.value))
		}
	}
	var off []string
	if !has(q.Header, "User-Agent") {
		off = append(off, "User-Agent")
	}
	if !has(q.Header, "Accept") {
		off = append(off, "Accept")
	}
	if mode != noBody && !has(q.Header, "Content-Type") {
		off = append(off, "Content-Type")
	}
	if mode != noBody && len(q.Body.Data) > 1024 && !has(q.Header, "Expect") {
		off = append(off, "Expect")
	}
	for _, name := range off {
		c.add("-H", quote(name+":"))
	}
	if acceptsCompressed(q.Header.Values("Accept-Encoding")) {
		c.add("--compressed")
	}
	switch mode {
	case inlineBody:
		c.add("--data-raw", quote(string(q.Body.Data)))
	case fileBody:
		c.add("--data-binary", quote("@"+opts.BodyFile))
	case pipedBody:
		c.add("--data-binary", "@-")
	}
	out.Text = c.String()
	return out, nil
}
