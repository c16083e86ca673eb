package session

import (
	"bytes"
	"encoding/json"
	"math"
	"unsafe"
)

// The JSON scanning primitives of metaDecoder. Each consumes one value at
// d.pos, or records an error and moves to the end of the input.

func (d *metaDecoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, or 0 at the end.
func (d *metaDecoder) peek() byte {
	d.ws()
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

func (d *metaDecoder) expect(c byte) bool {
	if d.peek() != c {
		d.fail("expected %q", c)
		return false
	}
	d.pos++
	return true
}

// keys iterates over the members of the object that comes next, yielding
// each key with d.pos at its value, which the loop body must consume. A
// null counts as an empty object. The key aliases the input.
func (d *metaDecoder) keys(yield func(key []byte) bool) {
	if d.null() || !d.expect('{') {
		return
	}
	if d.peek() == '}' {
		d.pos++
		return
	}
	for d.err == nil {
		k := d.strBytes()
		if !d.expect(':') || !yield(k) {
			return
		}
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return
		default:
			d.fail("expected ',' or '}' in object")
			return
		}
	}
}

// elems iterates over the elements of the array that comes next, with
// d.pos at each element, which the loop body must consume.
func (d *metaDecoder) elems(yield func() bool) {
	if !d.expect('[') {
		return
	}
	if d.peek() == ']' {
		d.pos++
		return
	}
	for d.err == nil {
		if !yield() {
			return
		}
		switch d.peek() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return
		default:
			d.fail("expected ',' or ']' in array")
			return
		}
	}
}

// strBytes reads a string. Without escapes the result aliases the input.
func (d *metaDecoder) strBytes() []byte {
	if d.peek() != '"' {
		d.fail("expected a string")
		return nil
	}
	start, escaped := d.pos, false
	for i := start + 1; i < len(d.data); i++ {
		switch c := d.data[i]; {
		case c == '"':
			d.pos = i + 1
			if !escaped {
				return d.data[start+1 : i]
			}
			b, err := unescape(d.data[start : i+1])
			if err != nil {
				d.pos = start
				d.fail("bad string: %v", err)
			}
			return b
		case c == '\\':
			escaped = true
			i++
		case c < 0x20:
			d.pos = i
			d.fail("control character in string")
			return nil
		}
	}
	d.fail("unterminated string")
	return nil
}

// int reads an integer that fits in an int64.
func (d *metaDecoder) int() int64 {
	d.ws()
	i, neg := d.pos, false
	if i < len(d.data) && d.data[i] == '-' {
		neg = true
		i++
	}
	start := i
	var n uint64
	for ; i < len(d.data) && '0' <= d.data[i] && d.data[i] <= '9'; i++ {
		if n > (math.MaxUint64-9)/10 {
			d.fail("number out of range")
			return 0
		}
		n = n*10 + uint64(d.data[i]-'0')
	}
	switch {
	case i == start:
		d.fail("expected a number")
		return 0
	case i < len(d.data) && bytes.IndexByte([]byte(".eE"), d.data[i]) >= 0:
		d.fail("expected an integer")
		return 0
	case neg && n > 1<<63, !neg && n > math.MaxInt64:
		d.fail("number out of range")
		return 0
	}
	d.pos = i
	if neg {
		return -int64(n)
	}
	return int64(n)
}

var trueLit, falseLit = []byte("true"), []byte("false")

func (d *metaDecoder) bool() bool {
	switch d.peek() {
	case 't':
		if bytes.HasPrefix(d.data[d.pos:], trueLit) {
			d.pos += len(trueLit)
			return true
		}
	case 'f':
		if bytes.HasPrefix(d.data[d.pos:], falseLit) {
			d.pos += len(falseLit)
			return false
		}
	}
	d.fail("expected true or false")
	return false
}

// skip consumes a value of any type, for keys this version does not know.
func (d *metaDecoder) skip(depth int) {
	if depth > maxDepth {
		d.fail("nested too deeply")
		return
	}
	switch c := d.peek(); {
	case c == '"':
		d.strBytes()
	case c == '{':
		for range d.keys {
			d.skip(depth + 1)
		}
	case c == '[':
		for range d.elems {
			d.skip(depth + 1)
		}
	case c == 't' || c == 'f':
		d.bool()
	case c == 'n':
		if !d.null() {
			d.fail("expected null")
		}
	default:
		start := d.pos
		for d.pos < len(d.data) && bytes.IndexByte([]byte("+-.0123456789eE"), d.data[d.pos]) >= 0 {
			d.pos++
		}
		if d.pos == start {
			d.fail("unexpected character %q", c)
		}
	}
}

// enum reads a string that must be one of names and returns its index.
func (d *metaDecoder) enum(names []string) uint8 {
	s := d.strBytes()
	for i, n := range names {
		if string(s) == n {
			return uint8(i)
		}
	}
	if d.err == nil {
		d.fail("unknown value %q", s)
	}
	return 0
}

// str reads a string: a copy, or, when decoding into scratch memory
// (decodeScratch), one that aliases the input.
func (d *metaDecoder) str() string {
	b := d.strBytes()
	if d.sc != nil {
		return unsafe.String(unsafe.SliceData(b), len(b))
	}
	return string(b)
}

func (d *metaDecoder) istr() string { return d.internBytes(d.strBytes()) }

func (d *metaDecoder) internBytes(b []byte) string {
	if len(b) > maxInterned {
		return string(b)
	}
	if s, ok := d.intern[string(b)]; ok {
		return s
	}
	s := string(b)
	d.intern[s] = s
	return s
}

// unescape decodes a JSON string token with escapes, which marshalMeta
// writes only for quotes, backslashes, control and some HTML characters.
func unescape(tok []byte) ([]byte, error) {
	var s string
	if err := json.Unmarshal(tok, &s); err != nil {
		return nil, err
	}
	return []byte(s), nil
}
