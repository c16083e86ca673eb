package flowview

import (
	"bytes"
	"fmt"

	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

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
