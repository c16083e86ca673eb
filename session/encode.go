package session

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// EncodeBody applies a Content-Encoding (a comma-separated list, applied
// in order) to data: the inverse of Body.Decode, for bodies edited as
// decoded text. An encoding siphon cannot write is an error.
func EncodeBody(data []byte, contentEncoding string) ([]byte, error) {
	for c := range strings.SplitSeq(contentEncoding, ",") {
		c = strings.ToLower(strings.TrimSpace(c))
		if c == "" || c == "identity" {
			continue
		}
		var b bytes.Buffer
		var w io.WriteCloser
		switch c {
		case "gzip", "x-gzip":
			w = gzip.NewWriter(&b)
		case "deflate":
			w = zlib.NewWriter(&b) // RFC 9110: deflate is the zlib format
		case "br":
			w = brotli.NewWriter(&b)
		case "zstd":
			zw, err := zstd.NewWriter(&b, zstd.WithEncoderConcurrency(1))
			if err != nil {
				return nil, fmt.Errorf("encode zstd body: %w", err)
			}
			w = zw
		default:
			return nil, fmt.Errorf("siphon cannot encode Content-Encoding %q: remove the header or use gzip, deflate, br or zstd", c)
		}
		if _, err := w.Write(data); err != nil {
			return nil, fmt.Errorf("encode %s body: %w", c, err)
		}
		if err := w.Close(); err != nil {
			return nil, fmt.Errorf("encode %s body: %w", c, err)
		}
		data = b.Bytes()
	}
	return data, nil
}
