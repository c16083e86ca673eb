package session

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// maxDecoded caps how much a decoded body may grow to, so a compression bomb
// in a captured body cannot exhaust memory when it is displayed or filtered.
const maxDecoded = 256 << 20

// Decode returns the body's bytes with the given Content-Encoding (a
// comma-separated list, applied in order) undone. Unknown encodings are an
// error; an empty or "identity" encoding returns the bytes as they are. A
// truncated body decodes as far as its bytes go, without an error.
func (b Body) Decode(contentEncoding string) ([]byte, error) {
	data := b.Data
	codings := strings.Split(contentEncoding, ",")
	for i := len(codings) - 1; i >= 0; i-- {
		c := strings.ToLower(strings.TrimSpace(codings[i]))
		if c == "" || c == "identity" {
			continue
		}
		out, err := decodeOne(c, data)
		if err != nil && !(b.Truncated && len(out) > 0) {
			return nil, fmt.Errorf("decode %s body: %w", c, err)
		}
		data = out
	}
	return data, nil
}

func decodeOne(coding string, data []byte) ([]byte, error) {
	var r io.Reader
	switch coding {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		r = zr
	case "deflate":
		// "deflate" is zlib-wrapped by the RFC, but some servers send raw
		// deflate; accept both.
		if zr, err := zlib.NewReader(bytes.NewReader(data)); err == nil {
			r = zr
		} else {
			r = flate.NewReader(bytes.NewReader(data))
		}
	case "br":
		r = brotli.NewReader(bytes.NewReader(data))
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(data), zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		r = zr
	default:
		return nil, fmt.Errorf("unsupported content encoding %q", coding)
	}
	return io.ReadAll(io.LimitReader(r, maxDecoded))
}

// Text returns the request body decoded according to its Content-Encoding.
func (r *Request) Text() ([]byte, error) {
	if r == nil {
		return nil, nil
	}
	return r.Body.Decode(ContentEncoding(r.Header))
}

// Text returns the response body decoded according to its Content-Encoding.
func (r *Response) Text() ([]byte, error) {
	if r == nil {
		return nil, nil
	}
	return r.Body.Decode(ContentEncoding(r.Header))
}

// ContentEncoding is the Content-Encoding of a message with header h,
// every field line joined, as Body.Decode takes it.
func ContentEncoding(h http.Header) string {
	return strings.Join(h.Values("Content-Encoding"), ",")
}
