package grpcmsg

import (
	"net/http"

	"github.com/siphonproxy/siphon/session"
)

// SplitRequest splits the request body of f's call (see Split), by the
// request's Content-Type (or the flow's framing when the request has
// none) and grpc-encoding. A Content-Encoding, which gRPC does not use
// but a gateway might, is undone first. Nil when f is not gRPC or has no
// request.
func SplitRequest(f *session.Flow) *Body {
	if f == nil || f.Request == nil {
		return nil
	}
	r := f.Request
	return splitSide(f, r.Header, r.Body, r.Text, true)
}

// SplitResponse splits the response body of f's call, as SplitRequest
// does the request's. Nil when f is not gRPC or has no response.
func SplitResponse(f *session.Flow) *Body {
	if f == nil || f.Response == nil {
		return nil
	}
	r := f.Response
	return splitSide(f, r.Header, r.Body, r.Text, true)
}

func splitSide(f *session.Flow, h http.Header, body session.Body, text func() ([]byte, error), messages bool) *Body {
	fr := FramingOf(contentType(h))
	if fr == NotGRPC {
		if fr = FlowFraming(f); fr == NotGRPC {
			return nil
		}
	}
	enc, _ := headerValue(h, "Grpc-Encoding")
	data := body.Data
	if len(h["Content-Encoding"]) > 0 {
		if d, err := text(); err == nil {
			data = d
		}
	}
	b := split(data, fr, enc, body.Truncated, messages)
	if ct := contentType(h); ct != "" {
		b.Codec = Codec(ct)
	}
	return b
}
