package replay

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"

	"github.com/siphonproxy/siphon/session"
)

// RawRequest returns f's request as HTTP/1.1 on the wire: the request line
// in origin form, Host, the headers as recorded (names sorted) and the
// body bytes as captured (still compressed if they were; cut short if the
// capture was truncated).
func RawRequest(f *session.Flow) ([]byte, error) {
	if f == nil || f.Request == nil {
		return nil, ErrNoRequest
	}
	q := f.Request
	if q.Body.Unloaded {
		return nil, ErrUnloaded
	}
	target, host := q.URL, ""
	if u, err := url.Parse(q.URL); err == nil && u.Host != "" {
		target, host = u.RequestURI(), u.Host
		if q.Method == "CONNECT" {
			target = u.Host
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s %s\r\n", q.Method, target, protoOr(q.Proto))
	if host != "" && !has(q.Header, "Host") {
		fmt.Fprintf(&b, "Host: %s\r\n", host)
	}
	writeHeaderBlock(&b, q.Header)
	b.Write(q.Body.Data)
	return b.Bytes(), nil
}

// RawResponse returns f's response as HTTP/1.1 on the wire: status line,
// headers as recorded (names sorted) and the body bytes as captured.
func RawResponse(f *session.Flow) ([]byte, error) {
	if f == nil || f.Response == nil {
		return nil, ErrNoResponse
	}
	p := f.Response
	if p.Body.Unloaded {
		return nil, ErrUnloaded
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %03d %s\r\n", protoOr(p.Proto), p.Status, p.Reason)
	writeHeaderBlock(&b, p.Header)
	b.Write(p.Body.Data)
	return b.Bytes(), nil
}

func writeHeaderBlock(b *bytes.Buffer, h map[string][]string) {
	for _, k := range slices.Sorted(mapKeys(h)) {
		for _, v := range h[k] {
			fmt.Fprintf(b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n")
}

func protoOr(p string) string {
	if p == "" {
		return "HTTP/1.1"
	}
	return p
}
