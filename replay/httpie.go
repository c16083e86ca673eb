package replay

import (
	"github.com/siphonproxy/siphon/session"
)

// HTTPie returns a self-contained HTTPie (http) command that sends f's
// request; see HTTPieCommand.
func HTTPie(f *session.Flow) (string, error) {
	c, err := HTTPieCommand(f, ShellOptions{})
	if err != nil {
		return "", err
	}
	return c.Text, nil
}

// HTTPieCommand returns an HTTPie 3 command for f's request: the method,
// the URL, the end-to-end headers as siphon recorded them and the body
// byte for byte (--raw for plain text, else from opts.BodyFile or a printf
// pipe). Headers HTTPie adds of its own are switched off when the original
// lacked them.
//
// HTTPie reproduces less than curl: it cannot leave out User-Agent and
// Accept-Encoding (switched off, Python's urllib3 sends its own), it sends
// "Content-Length: 0" with a bodiless DELETE or other method, the
// requests library re-encodes URLs (%41 becomes A, [ becomes %5B), and it
// speaks only HTTP/1.1: a flow a client sent over HTTP/2 goes out over
// HTTP/1.1 (HTTPie has no HTTP/2 option).
func HTTPieCommand(f *session.Flow, opts ShellOptions) (*Command, error) {
	q, err := sendable(f)
	if err != nil {
		return nil, err
	}
	mode := planBody(q, opts)
	out := &Command{}
	var c commandLine
	switch mode {
	case pipedBody:
		c.add("printf", printfArg(q.Body.Data), "|", "http")
	case fileBody:
		out.Body = q.Body.Data
		c.add("http")
	default:
		// Without a body on stdin, HTTPie must not wait for one.
		c.add("http", "--ignore-stdin")
	}
	if urlNeedsPathAsIs(q.URL) {
		c.add("--path-as-is")
	}
	if mode == inlineBody {
		// One word with "=": a body starting with "-" must not read as an
		// option to HTTPie's argument parser.
		c.add(quote("--raw=" + string(q.Body.Data)))
	}
	c.add(quote(q.Method), quote(q.URL))
	for _, h := range requestHeaders(q, "Content-Length") {
		if h.value == "" {
			c.add(quote(h.name + ";"))
		} else {
			c.add(quote(h.name + ":" + h.value))
		}
	}
	off := []string{"User-Agent", "Accept", "Accept-Encoding"}
	if mode != noBody {
		off = append(off, "Content-Type")
	}
	for _, name := range off {
		if !has(q.Header, name) {
			c.add(quote(name + ":"))
		}
	}
	if mode == fileBody {
		c.add("<", quote(opts.BodyFile))
	}
	out.Text = c.String()
	return out, nil
}
