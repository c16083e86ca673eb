package testutil

import (
	"bytes"
	"compress/gzip"
)

// Gzip returns s compressed with gzip, for a body sent or stored with
// Content-Encoding: gzip. Writing to memory cannot fail, so neither can it.
func Gzip(s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.Bytes()
}
