package grpcmsg

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// Kind is how Parse reads a field's value without the schema.
type Kind uint8

// Field kinds. A length-delimited value is read as the first that fits:
// String (printable UTF-8), Message (parses fully as a message with at
// least one field), Packed (a run of varints), then Bytes.
const (
	KindVarint  Kind = iota
	KindFixed32      // also float, sfixed32
	KindFixed64      // also double, sfixed64
	KindString
	KindMessage
	KindPacked // packed repeated varints
	KindBytes
	KindGroup // the deprecated group encoding
)

// Field is one field of a message read without its schema.
type Field struct {
	Number protowire.Number
	Type   protowire.Type // wire type
	Kind   Kind
	// Int is the value of a varint, fixed32 or fixed64.
	Int uint64
	// Bytes is a length-delimited value (of any kind).
	Bytes []byte
	// Fields are the fields of a Message or Group.
	Fields []Field
	// Packed are the values of a Packed field.
	Packed []uint64
}

// Bounds of Parse, so that a hostile message cannot make it slow or large.
const (
	// MaxDepth bounds the nesting of messages and groups; a
	// length-delimited value deeper than this is read as bytes.
	MaxDepth = 32
	// MaxFields bounds the fields (nested ones and packed values
	// included) that Parse returns.
	MaxFields = 100000
	// maxWork bounds the fields Parse reads while guessing which
	// length-delimited values are messages; past it, it stops guessing.
	maxWork = 1 << 22
)

// ErrTooManyFields reports a message with more than MaxFields fields.
var ErrTooManyFields = fmt.Errorf("grpcmsg: more than %d fields", MaxFields)

// ParseError is a message that is not valid protobuf from Offset on.
type ParseError struct {
	Offset int
	Err    error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("grpcmsg: not protobuf at byte %d: %v", e.Offset, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Parse reads b as a protobuf message without its schema. When b is not
// valid protobuf it returns the fields before the problem and a
// *ParseError.
func Parse(b []byte) ([]Field, error) {
	p := parser{}
	return p.message(b, 0, 0)
}

type parser struct {
	fields int // Fields returned so far
	work   int // fields read, guesses included
}

// message reads the fields of b, which starts at offset base of the
// outermost message (for errors).
func (p *parser) message(b []byte, base, depth int) ([]Field, error) {
	var out []Field
	for off := 0; off < len(b); {
		if p.fields >= MaxFields {
			return out, &ParseError{Offset: base + off, Err: ErrTooManyFields}
		}
		num, typ, n := protowire.ConsumeTag(b[off:])
		if n < 0 {
			return out, &ParseError{Offset: base + off, Err: protowire.ParseError(n)}
		}
		f := Field{Number: num, Type: typ}
		start := off
		off += n
		p.fields++
		p.work++
		switch typ {
		case protowire.VarintType:
			f.Kind = KindVarint
			f.Int, n = protowire.ConsumeVarint(b[off:])
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(b[off:])
			f.Kind, f.Int = KindFixed32, uint64(v)
		case protowire.Fixed64Type:
			f.Kind = KindFixed64
			f.Int, n = protowire.ConsumeFixed64(b[off:])
		case protowire.BytesType:
			f.Bytes, n = protowire.ConsumeBytes(b[off:])
			if n >= 0 {
				if err := p.classify(&f, base+off+n-len(f.Bytes), depth); err != nil {
					return append(out, f), err // the fields read before the bound
				}
			}
		case protowire.StartGroupType:
			var inner []byte
			inner, n = protowire.ConsumeGroup(num, b[off:])
			if n >= 0 {
				if depth+1 > MaxDepth {
					return out, &ParseError{Offset: base + start, Err: fmt.Errorf("groups nested deeper than %d", MaxDepth)}
				}
				f.Kind = KindGroup
				var err error
				if f.Fields, err = p.message(inner, base+off, depth+1); err != nil {
					return append(out, f), err
				}
			}
		default:
			return out, &ParseError{Offset: base + start, Err: fmt.Errorf("unexpected wire type %d", typ)}
		}
		if n < 0 {
			return out, &ParseError{Offset: base + start, Err: protowire.ParseError(n)}
		}
		off += n
		out = append(out, f)
	}
	return out, nil
}

// classify decides how to read the length-delimited value of f, which is
// at offset base.
func (p *parser) classify(f *Field, base, depth int) error {
	switch {
	case isText(f.Bytes):
		f.Kind = KindString
	case depth+1 <= MaxDepth && p.work < maxWork && p.isMessage(f.Bytes, depth+1):
		f.Kind = KindMessage
		var err error
		f.Fields, err = p.message(f.Bytes, base, depth+1)
		if err != nil && !errors.Is(err, ErrTooManyFields) {
			// isMessage checked it; only the field budget can stop it.
			f.Kind, f.Fields = KindBytes, nil
			return nil
		}
		return err
	default:
		if v, ok := p.packed(f.Bytes); ok {
			f.Kind, f.Packed = KindPacked, v
			return nil
		}
		f.Kind = KindBytes
	}
	return nil
}

// isMessage reports whether b parses fully as a message of at least one
// field, nested groups included, without keeping anything.
func (p *parser) isMessage(b []byte, depth int) bool {
	if len(b) == 0 {
		return false
	}
	for off := 0; off < len(b); {
		if p.work >= maxWork {
			return false
		}
		p.work++
		num, typ, n := protowire.ConsumeTag(b[off:])
		if n < 0 {
			return false
		}
		off += n
		if typ == protowire.StartGroupType {
			if depth+1 > MaxDepth {
				return false
			}
			inner, m := protowire.ConsumeGroup(num, b[off:])
			if m < 0 || len(inner) > 0 && !p.isMessage(inner, depth+1) {
				return false
			}
			n = m
		} else if typ == protowire.EndGroupType {
			return false
		} else {
			n = protowire.ConsumeFieldValue(num, typ, b[off:])
		}
		if n < 0 {
			return false
		}
		off += n
	}
	return true
}

// packed reads b as packed varints.
func (p *parser) packed(b []byte) ([]uint64, bool) {
	if len(b) == 0 || b[len(b)-1]&0x80 != 0 {
		return nil, false
	}
	var out []uint64
	before := p.fields
	for off := 0; off < len(b); {
		if p.fields >= MaxFields {
			p.fields = before
			return nil, false
		}
		v, n := protowire.ConsumeVarint(b[off:])
		if n < 0 {
			p.fields = before
			return nil, false
		}
		p.fields++
		out = append(out, v)
		off += n
	}
	return out, true
}

// isText reports whether b is UTF-8 text without control characters other
// than tabs and line breaks.
func isText(b []byte) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			return false
		}
		if !unicode.IsPrint(r) && r != '\n' && r != '\r' && r != '\t' {
			return false
		}
		b = b[n:]
	}
	return true
}
