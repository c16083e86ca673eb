package session

import (
	"bytes"
	"strings"
	"testing"
)

// Encoding a body and decoding it with Body.Decode gives it back, for
// every encoding siphon decodes; an encoding siphon cannot write is an
// error that names it.
func TestEncodeBodyRoundTrip(t *testing.T) {
	data := []byte(strings.Repeat("siphon edits bodies ", 50))
	for _, enc := range []string{"gzip", "x-gzip", "deflate", "br", "zstd", "gzip, br", "identity", ""} {
		out, err := EncodeBody(data, enc)
		if err != nil {
			t.Fatalf("%q: %v", enc, err)
		}
		back, err := Body{Data: out}.Decode(enc)
		if err != nil {
			t.Fatalf("%q: decode: %v", enc, err)
		}
		if !bytes.Equal(back, data) {
			t.Errorf("%q: round trip differs", enc)
		}
	}
	if _, err := EncodeBody(data, "gzip, compress"); err == nil || !strings.Contains(err.Error(), `"compress"`) {
		t.Errorf("compress: err %v, want one naming the encoding", err)
	}
}
