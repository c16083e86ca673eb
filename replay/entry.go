package replay

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/siphonproxy/siphon/session"
)

// FormatRaw is siphon export's raw format: the request as HTTP/1.1 bytes,
// a blank line, then the response. The export menu has no such entry (it
// offers each side apart).
const FormatRaw Format = "raw"

// Entry renders f (bodies loaded) as one entry of siphon export's output
// in format curl, httpie, raw, raw-request or raw-response: a comment line
// naming the flow ("# #SEQ METHOD URL" above a command, "### #SEQ METHOD
// URL" above raw HTTP), then the text, ending in a newline. siphon export
// and the MCP export_flow tool both write it, so that an agent gets what a
// user gets. A command whose body goes to opts.BodyFile returns the
// body's bytes to write there; raw-response of a flow without a response
// is an error, raw leaves the response out then.
func Entry(format Format, f *session.Flow, opts ShellOptions) (text, body []byte, err error) {
	if f == nil {
		return nil, nil, ErrNoRequest
	}
	switch format {
	case FormatCurl, FormatHTTPie:
		var cmd *Command
		if format == FormatCurl {
			cmd, err = CurlCommand(f, opts)
		} else {
			cmd, err = HTTPieCommand(f, opts)
		}
		if err != nil {
			return nil, nil, err
		}
		return fmt.Appendf(nil, "# #%d %s\n%s\n", f.Seq, entryTitle(f), cmd.Text), cmd.Body, nil
	case FormatRaw, FormatRawRequest, FormatRawResponse:
		var b strings.Builder
		fmt.Fprintf(&b, "### #%d %s\n", f.Seq, entryTitle(f))
		if format != FormatRawResponse {
			q, err := RawRequest(f)
			if err != nil {
				return nil, nil, err
			}
			b.Write(q)
		}
		if format != FormatRawRequest {
			p, err := RawResponse(f)
			if err != nil && format == FormatRawResponse {
				return nil, nil, err
			}
			if format == FormatRaw {
				b.WriteString("\n")
			}
			b.Write(p)
		}
		b.WriteString("\n")
		return []byte(b.String()), nil, nil
	}
	return nil, nil, fmt.Errorf("replay: no export entry in format %q", format)
}

// entryTitle is "METHOD URL", a URL with control characters escaped so
// that it cannot break out of its comment line.
func entryTitle(f *session.Flow) string {
	if f.Request == nil {
		return "-"
	}
	u := f.Request.URL
	if strings.IndexFunc(u, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		u = url.PathEscape(u)
	}
	return f.Request.Method + " " + u
}
