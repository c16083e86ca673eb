package ui

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
	"github.com/siphonproxy/siphon/session"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// bodyForm says how a body appears in the editor. It is written as the
// pseudo-header Siphon-Body (which is never sent) unless it is plain text.
type bodyForm string

// Body forms.
const (
	// formText: the body decoded (Content-Encoding undone) as text; on
	// save it is encoded again as the Content-Encoding header then says.
	formText bodyForm = ""
	// formHex: decoded bytes that are not text, as hex digits; encoded
	// again on save like text.
	formHex bodyForm = "hex"
	// formWireHex: bytes that could not be decoded, as hex digits of the
	// bytes as they were on the wire; sent as they are.
	formWireHex bodyForm = "wire-hex"
	// formKept: a body not shown (cut at the capture limit, or not read):
	// it passes on unchanged.
	formKept bodyForm = "unchanged"
)

// bodyFormHeader is the pseudo-header that names a body's form.
const bodyFormHeader = "Siphon-Body"

// editableBody returns how b (of a message with Content-Encoding enc) is
// shown in the editor, and the bytes shown.
func editableBody(b session.Body, enc string) (bodyForm, []byte) {
	if b.Unloaded || b.Truncated {
		return formKept, nil
	}
	data, err := b.Decode(enc)
	if err != nil {
		return formWireHex, hexText(b.Data)
	}
	if !editableText(data) {
		return formHex, hexText(data)
	}
	return formText, data
}

// editableText reports whether data survives a text editor: UTF-8 without
// control characters other than tab and line ends.
func editableText(data []byte) bool {
	if !utf8.Valid(data) {
		return false
	}
	for _, c := range data {
		if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// hexText writes data as hex digits, 16 bytes a line.
func hexText(data []byte) []byte {
	var b bytes.Buffer
	for i := 0; i < len(data); i += 16 {
		line := data[i:min(i+16, len(data))]
		for j, c := range line {
			if j > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%02x", c)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// unhexText reads hex digits, ignoring white space.
func unhexText(text []byte) ([]byte, error) {
	digits := strings.Join(strings.Fields(string(text)), "")
	data, err := hex.DecodeString(digits)
	if err != nil {
		return nil, fmt.Errorf("the body is not hex digits: %w", err)
	}
	return data, nil
}

// encodeBody applies a Content-Encoding (a comma-separated list, applied
// in order) to data.
func encodeBody(data []byte, contentEncoding string) ([]byte, error) {
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

// decodeCharset turns text in the named character set (a charset=
// parameter, or an XML declaration's encoding) into UTF-8. Labels are
// read as browsers read them (the WHATWG Encoding Standard, so iso-8859-1
// means windows-1252, a superset); a byte order mark overrides the label.
// UTF-8 and an empty label leave data as it is. An unknown label is an
// error and data comes back unchanged.
func decodeCharset(data []byte, label string) ([]byte, error) {
	if label == "" {
		return data, nil
	}
	enc, err := htmlindex.Get(label)
	if err != nil {
		return data, fmt.Errorf("unknown charset %q", label)
	}
	if name, _ := htmlindex.Name(enc); name == "utf-8" {
		return data, nil
	}
	out, _, err := transform.Bytes(unicode.BOMOverride(enc.NewDecoder()), data)
	if err != nil {
		return data, fmt.Errorf("decode charset %s: %w", label, err)
	}
	return out, nil
}

// xmlDeclEncoding returns the encoding an XML declaration at the start of
// data names, or "".
func xmlDeclEncoding(data []byte) string {
	head := data[:min(len(data), 256)]
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if !bytes.HasPrefix(head, []byte("<?xml")) {
		return ""
	}
	decl, _, ok := bytes.Cut(head, []byte("?>"))
	if !ok {
		return ""
	}
	_, rest, ok := bytes.Cut(decl, []byte("encoding"))
	if !ok {
		return ""
	}
	rest = bytes.TrimLeft(rest, " \t\r\n")
	if len(rest) == 0 || rest[0] != '=' {
		return ""
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	value, _, ok := bytes.Cut(rest[1:], rest[:1])
	if !ok {
		return ""
	}
	return string(value)
}
