package session

import (
	"encoding/json"
	"io"
)

// harSniffLimit bounds how much of a file LooksLikeHAR reads: HAR files
// put "log" first, and nothing else is worth reading a whole file for.
const harSniffLimit = 1 << 20

// LooksLikeHAR reports whether r holds what a HAR document starts with: a
// JSON object whose "log" member is an object. It reads at most the first
// MiB of r and checks nothing beyond that start, so a file it accepts can
// still fail ReadHAR; it tells HAR files from session files (SQLite) and
// other files by their content, whatever their names.
func LooksLikeHAR(r io.Reader) bool {
	d := &harDecoder{dec: json.NewDecoder(io.LimitReader(r, harSniffLimit))}
	if d.delim('{', "the document") != nil {
		return false
	}
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return false
		}
		if tok != "log" {
			if d.skip() != nil {
				return false
			}
			continue
		}
		tok, err = d.dec.Token()
		return err == nil && tok == json.Delim('{')
	}
	return false
}
