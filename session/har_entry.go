package session

import (
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// harTimeFormat is ISO 8601 with milliseconds, as browsers write it.
const harTimeFormat = "2006-01-02T15:04:05.000Z07:00"

// harEntryOf converts a flow, bodies loaded, to a HAR entry.
func harEntryOf(f *Flow) harEntry {
	e := harEntry{
		StartedDateTime: f.Start().Time().UTC().Format(harTimeFormat),
		Time:            ms(int64(f.Duration())),
		Request:         harRequestOf(f.Request),
		Timings:         harTimingsOf(&f.Timings),
		Comment:         f.Comment,
	}
	if host, _, err := net.SplitHostPort(f.Server.Addr); err == nil && net.ParseIP(host) != nil {
		e.ServerIPAddress = host
	}
	e.Response = harResponseOf(f.Response)
	tr := timingsToRecord(&f.Timings)
	x := &harSiphon{
		ID: f.ID, State: f.State.String(), Source: f.Source.String(), Kind: f.Kind.String(),
		Marked: f.Marked, Listener: f.Listener, Timings: &tr,
	}
	if f.Client != (Peer{}) {
		p := peerRecord(f.Client)
		x.Client = &p
	}
	if f.Server != (Peer{}) {
		p := peerRecord(f.Server)
		x.Server = &p
	}
	if f.Err != nil {
		x.Error = &errorRecord{Phase: f.Err.Phase, Msg: f.Err.Msg, Hint: f.Err.Hint}
	}
	if f.Original != nil {
		x.Original = harRequestOf(f.Original)
	}
	if s := f.Stream; s != nil {
		x.Stream = streamToRecord(s)
	}
	e.Siphon = x
	return e
}

func harRequestOf(q *Request) *harRequest {
	if q == nil {
		q = &Request{}
	}
	r := &harRequest{
		Method:      q.Method,
		URL:         harURL(q),
		HTTPVersion: q.Proto,
		Cookies:     harRequestCookies(q.Header),
		Headers:     harHeaders(q.Header),
		QueryString: harQuery(q.URL),
		HeadersSize: -1,
		BodySize:    harNum(q.Body.Size),
		Trailers:    harTrailers(q.Trailer),
	}
	if q.Body.Size > 0 || len(q.Body.Data) > 0 || q.Body.Truncated {
		text, encoding, wire, _ := harBody(q.Body, q.Header)
		r.PostData = &harPostData{MimeType: q.Header.Get("Content-Type"), Text: text, Encoding: encoding,
			harWire: harWire{Wire: wire, Truncated: q.Body.Truncated}}
	}
	return r
}

// harURL is the request's URL; a CONNECT's target (host:port) becomes an
// https URL, as HAR wants an absolute URI. Any other target (an imported
// CONNECT to "/") stays as it is, as requestOfHAR reads back only
// host:port forms.
func harURL(q *Request) string {
	if q.Method == http.MethodConnect && q.URL != "" && !strings.Contains(q.URL, "/") {
		return "https://" + q.URL
	}
	return q.URL
}

func harResponseOf(p *Response) harResponse {
	if p == nil {
		// Failed before a response: status 0, as browsers write it.
		return harResponse{Cookies: harCookies{}, Headers: []harNV{}, HeadersSize: -1, BodySize: -1,
			Content: harContent{Size: 0}}
	}
	r := harResponse{
		Status:      harNum(p.Status),
		StatusText:  p.Reason,
		HTTPVersion: p.Proto,
		Cookies:     harResponseCookies(p.Header),
		Headers:     harHeaders(p.Header),
		RedirectURL: p.Header.Get("Location"),
		HeadersSize: -1,
		BodySize:    harNum(p.Body.Size),
		Trailers:    harTrailers(p.Trailer),
	}
	text, encoding, wire, size := harBody(p.Body, p.Header)
	r.Content = harContent{Size: harNum(size), MimeType: p.Header.Get("Content-Type"), Encoding: encoding,
		harWire: harWire{Wire: wire, Truncated: p.Body.Truncated}}
	if len(text) > 0 {
		r.Content.Text = &text
	}
	if wire != "" && int64(size) >= p.Body.Size {
		c := harNum(int64(size) - p.Body.Size)
		r.Content.Compression = &c
	}
	return r
}

// harBody returns the body's decoded bytes as HAR text (plain when it is
// readable UTF-8, else base64 with encoding "base64") and their length,
// and, when a Content-Encoding applies, the wire bytes in base64 for an
// exact re-import. A body that does not decode (truncated, unknown coding)
// keeps its wire bytes as the text.
func harBody(b Body, h http.Header) (text, encoding, wire string, size int) {
	data := b.Data
	if ce := ContentEncoding(h); encoded(ce) {
		wire = base64.StdEncoding.EncodeToString(b.Data)
		if dec, err := b.Decode(ce); err == nil {
			data = dec
		}
	}
	if readable(data) {
		return string(data), "", wire, len(data)
	}
	return base64.StdEncoding.EncodeToString(data), "base64", wire, len(data)
}

// encoded reports whether a Content-Encoding list names a coding other
// than identity.
func encoded(contentEncoding string) bool {
	for c := range strings.SplitSeq(contentEncoding, ",") {
		if c = strings.TrimSpace(c); c != "" && !strings.EqualFold(c, "identity") {
			return true
		}
	}
	return false
}

// readable reports whether data can be HAR text: valid UTF-8 without
// control characters other than tab, newline and carriage return.
func readable(data []byte) bool {
	if !utf8.Valid(data) {
		return false
	}
	for _, c := range data {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
			return false
		}
	}
	return true
}

// harHeaders lists h sorted by name, each value in its recorded order.
// net/http keeps headers in a map, so the order on the wire is not known.
func harHeaders(h http.Header) []harNV {
	out := make([]harNV, 0, len(h))
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range h {
			if !yield(k) {
				return
			}
		}
	}) {
		for _, v := range h[k] {
			out = append(out, harNV{Name: k, Value: v})
		}
	}
	return out
}

// harTrailers lists trailers as harHeaders lists headers; nil when there
// are none, so that "_trailers" is left out.
func harTrailers(h http.Header) []harNV {
	if len(h) == 0 {
		return nil
	}
	if out := harHeaders(h); len(out) > 0 {
		return out
	}
	return nil
}

// harQuery lists the query parameters in the order of the URL, decoded
// where they decode.
func harQuery(raw string) []harNV {
	out := []harNV{}
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery == "" {
		return out
	}
	for part := range strings.SplitSeq(u.RawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		out = append(out, harNV{Name: unescapeQuery(k), Value: unescapeQuery(v)})
	}
	return out
}

func unescapeQuery(s string) string {
	if u, err := url.QueryUnescape(s); err == nil && utf8.ValidString(u) {
		return u
	}
	return s
}

func harRequestCookies(h http.Header) harCookies {
	out := harCookies{}
	for _, c := range (&http.Request{Header: h}).Cookies() {
		out = append(out, harCookie{Name: c.Name, Value: c.Value})
	}
	return out
}

func harResponseCookies(h http.Header) harCookies {
	out := harCookies{}
	for _, c := range (&http.Response{Header: h}).Cookies() {
		hc := harCookie{Name: c.Name, Value: c.Value, Path: c.Path, Domain: c.Domain,
			HTTPOnly: c.HttpOnly, Secure: c.Secure}
		if !c.Expires.IsZero() {
			s := c.Expires.UTC().Format(harTimeFormat)
			hc.Expires = &s
		}
		out = append(out, hc)
	}
	return out
}
