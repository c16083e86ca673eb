package grpcmsg_test

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"net/http"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// frame is one length-prefixed message with the given flags.
func frame(flags byte, payload []byte) []byte {
	b := make([]byte, 5, 5+len(payload))
	b[0] = flags
	binary.BigEndian.PutUint32(b[1:], uint32(len(payload)))
	return append(b, payload...)
}

func gzipped(t testing.TB, p []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(p); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// grpcFlow is a finished call of the given content type and bodies.
func grpcFlow(ct string, req, resp []byte, respHeader, trailer http.Header) *session.Flow {
	h := http.Header{"Content-Type": {ct}}
	if respHeader == nil {
		respHeader = http.Header{}
	}
	if respHeader.Get("Content-Type") == "" {
		respHeader.Set("Content-Type", ct)
	}
	return &session.Flow{
		Kind: session.HTTP,
		Request: &session.Request{Method: "POST", URL: "https://api.example/pkg.Svc/Get", Proto: "HTTP/2.0",
			Header: h, Body: session.Body{Data: req, Size: int64(len(req))}},
		Response: &session.Response{Status: 200, Proto: "HTTP/2.0", Header: respHeader, Trailer: trailer,
			Body: session.Body{Data: resp, Size: int64(len(resp))}},
	}
}
