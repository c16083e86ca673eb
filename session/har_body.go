package session

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// bodyOfHAR rebuilds a body's wire bytes: siphon's _wire when present,
// else the text, compressed again with the message's Content-Encoding
// (HAR text is decoded, and Body keeps wire bytes). full is HAR's
// bodySize. A missing text with a non-zero size means the tool did not
// keep the bytes: the body is empty and marked truncated.
func bodyOfHAR(text *string, encoding string, w harWire, full harNum, h http.Header, ours bool) (Body, error) {
	var data []byte
	switch {
	case w.Wire != "":
		d, err := base64.StdEncoding.DecodeString(w.Wire)
		if err != nil {
			return Body{}, fmt.Errorf("_wire: %w", err)
		}
		data = d
	case text == nil:
	case encoding == "base64":
		d, err := base64.StdEncoding.DecodeString(*text)
		if err != nil {
			return Body{}, fmt.Errorf("base64 text: %w", err)
		}
		data = d
	case encoding == "":
		data = []byte(*text)
	default:
		return Body{}, fmt.Errorf("unsupported encoding %q", encoding)
	}
	if w.Wire == "" && len(data) > 0 {
		if ce := ContentEncoding(h); encoded(ce) {
			// A coding siphon cannot apply leaves the text as it is (Decode
			// will then show it undecoded) rather than refusing the file.
			if enc, err := encodeBody(data, ce); err == nil {
				data = enc
			}
		}
	}
	if len(data) == 0 {
		data = nil
	}
	b := Body{Data: data, Size: int64(len(data)), Truncated: w.Truncated}
	size := sizeOf(full)
	switch {
	case ours && size >= 0:
		b.Size = size
	case w.Truncated || (text == nil && size > 0):
		b.Size, b.Truncated = max(size, b.Size), true
	}
	return b, nil
}

// sizeOf reads a HAR byte count; -1 for unknown or absurd values.
func sizeOf(n harNum) int64 {
	if n < 0 || n > 1<<50 {
		return -1
	}
	return int64(n)
}

// encodeBody applies a Content-Encoding list (in order) to data.
func encodeBody(data []byte, contentEncoding string) ([]byte, error) {
	for c := range strings.SplitSeq(contentEncoding, ",") {
		c = strings.ToLower(strings.TrimSpace(c))
		var buf bytes.Buffer
		var w interface {
			Write([]byte) (int, error)
			Close() error
		}
		switch c {
		case "", "identity":
			continue
		case "gzip", "x-gzip":
			w = gzip.NewWriter(&buf)
		case "deflate":
			w = zlib.NewWriter(&buf)
		case "br":
			w = brotli.NewWriter(&buf)
		case "zstd":
			zw, err := zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1))
			if err != nil {
				return nil, err
			}
			w = zw
		default:
			return nil, fmt.Errorf("cannot re-encode text for content encoding %q", c)
		}
		w.Write(data)
		if err := w.Close(); err != nil {
			return nil, fmt.Errorf("re-encode %s: %w", c, err)
		}
		data = buf.Bytes()
	}
	return data, nil
}
