package replay

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/siphonproxy/siphon/session"
)

// Format is a way to export one flow.
type Format string

// Export formats, in the order a menu offers them.
const (
	FormatCurl        Format = "curl"         // a curl command
	FormatHTTPie      Format = "httpie"       // an HTTPie command
	FormatRawRequest  Format = "raw-request"  // the request as HTTP/1.1 bytes
	FormatRawResponse Format = "raw-response" // the response as HTTP/1.1 bytes
	FormatHAR         Format = "har"          // a HAR 1.2 document of the flow
)

var formats = []struct {
	f     Format
	label string
}{
	{FormatCurl, "curl command"},
	{FormatHTTPie, "HTTPie command"},
	{FormatRawRequest, "raw request"},
	{FormatRawResponse, "raw response"},
	{FormatHAR, "HAR (this flow)"},
}

// Formats lists the export formats in menu order.
func Formats() []Format {
	out := make([]Format, len(formats))
	for i, f := range formats {
		out[i] = f.f
	}
	return out
}

// Label is the format's name for a menu.
func (f Format) Label() string {
	for _, x := range formats {
		if x.f == f {
			return x.label
		}
	}
	return string(f)
}

// ParseFormat reads a format name, as given to siphon export --format.
func ParseFormat(s string) (Format, error) {
	for _, x := range formats {
		if string(x.f) == strings.ToLower(s) {
			return x.f, nil
		}
	}
	names := make([]string, len(formats))
	for i, x := range formats {
		names[i] = string(x.f)
	}
	return "", fmt.Errorf("unknown export format %q (want %s)", s, strings.Join(names, ", "))
}

// Export renders f (bodies loaded, as Store.Get returns it) in a format:
// the text a user copies or saves. Commands are self-contained (binary
// bodies piped in from printf).
func Export(format Format, f *session.Flow) ([]byte, error) {
	switch format {
	case FormatCurl:
		s, err := Curl(f)
		return []byte(s), err
	case FormatHTTPie:
		s, err := HTTPie(f)
		return []byte(s), err
	case FormatRawRequest:
		return RawRequest(f)
	case FormatRawResponse:
		return RawResponse(f)
	case FormatHAR:
		if f == nil {
			return nil, ErrNoRequest
		}
		for _, q := range []*session.Request{f.Request, f.Original} {
			if q != nil && q.Body.Unloaded {
				return nil, ErrUnloaded
			}
		}
		if f.Response != nil && f.Response.Body.Unloaded {
			return nil, ErrUnloaded
		}
		var b bytes.Buffer
		if err := session.WriteHAR(&b, session.HARCreator{Name: "siphon"}, f); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	return nil, fmt.Errorf("replay: unknown export format %q", format)
}
