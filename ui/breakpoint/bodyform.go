package breakpoint

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/siphonproxy/siphon/session"
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
