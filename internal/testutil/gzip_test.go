package testutil

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"
)

func TestGzip(t *testing.T) {
	for _, s := range []string{"", "hello", string(bytes.Repeat([]byte("lorem ipsum "), 1000))} {
		zr, err := gzip.NewReader(bytes.NewReader(Gzip(s)))
		if err != nil {
			t.Fatalf("Gzip(%d bytes) is not gzip: %v", len(s), err)
		}
		got, err := io.ReadAll(zr)
		if err != nil || string(got) != s {
			t.Errorf("Gzip(%d bytes) decodes to %d bytes, err %v", len(s), len(got), err)
		}
	}
}
