package grpcmsg

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxText bounds the text Text renders for one message.
const MaxText = 1 << 20

// maxHex bounds the bytes shown in hex for one bytes value.
const maxHex = 1024

// Text renders msg as protobuf without its schema, in the style of
// protoc --decode_raw: one field a line as "number: value", nested
// messages and groups as "number {" ... "}" indented by two spaces.
// Varints are unsigned decimals (followed by their value as int64 in
// parentheses when negative); fixed32 and fixed64 values are hex, with
// their reading as a float when it is a plausible number; strings are
// quoted; packed varints are "[1, 2, 3]"; other bytes are hex in angle
// brackets. Bytes that are not protobuf end the text with a "# not
// protobuf" line. The text is deterministic, and at most about MaxText
// bytes: what is cut is marked.
func Text(msg []byte) string {
	return string(AppendText(nil, msg, MaxText))
}

// AppendText appends Text's rendering of msg to dst, rendering at most
// about limit bytes.
func AppendText(dst, msg []byte, limit int) []byte {
	w := textWriter{buf: dst, limit: len(dst) + limit}
	fields, err := Parse(msg)
	w.fields(fields, 0)
	if err != nil && !w.full() {
		var pe *ParseError
		switch {
		case errors.Is(err, ErrTooManyFields):
			w.line(0, "# more than "+strconv.Itoa(MaxFields)+" fields: the rest is not shown")
		case errors.As(err, &pe):
			w.line(0, "# not protobuf from byte "+strconv.Itoa(pe.Offset)+" ("+pe.Err.Error()+"): "+hexValue(msg[pe.Offset:]))
		}
	}
	if w.full() {
		// Cut at the last whole line, or at a rune boundary in a long one.
		start := len(dst)
		end := w.limit
		if i := bytes.LastIndexByte(w.buf[start:end], '\n'); i >= 0 {
			end = start + i
		} else {
			for end > start && !utf8.RuneStart(w.buf[end]) {
				end--
			}
		}
		w.buf = append(w.buf[:end], "\n… (text cut at "+strconv.Itoa(limit)+" bytes)\n"...)
	}
	return w.buf
}

type textWriter struct {
	buf   []byte
	limit int
}

func (w *textWriter) full() bool { return len(w.buf) > w.limit }

func (w *textWriter) line(depth int, s string) {
	w.indent(depth)
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\n')
}

func (w *textWriter) indent(depth int) {
	for range depth {
		w.buf = append(w.buf, "  "...)
	}
}

func (w *textWriter) fields(fields []Field, depth int) {
	for i := range fields {
		if w.full() {
			return
		}
		f := &fields[i]
		num := strconv.FormatInt(int64(f.Number), 10)
		switch f.Kind {
		case KindMessage, KindGroup:
			w.line(depth, num+" {")
			w.fields(f.Fields, depth+1)
			w.line(depth, "}")
		case KindString:
			w.indent(depth)
			w.buf = append(w.buf, num+": "...)
			s := f.Bytes
			if room := w.limit - len(w.buf); len(s) > room {
				s = s[:max(room, 0)]
			}
			w.buf = strconv.AppendQuote(w.buf, string(s))
			w.buf = append(w.buf, '\n')
		default:
			w.line(depth, num+": "+scalar(f))
		}
	}
}

// scalar renders a value that fits on one line.
func scalar(f *Field) string {
	switch f.Kind {
	case KindVarint:
		return varint(f.Int)
	case KindFixed32:
		s := "0x" + pad(strconv.FormatUint(f.Int, 16), 8)
		if v := float64(math.Float32frombits(uint32(f.Int))); plausible(v) {
			s += " (float " + strconv.FormatFloat(v, 'g', -1, 32) + ")"
		}
		return s
	case KindFixed64:
		s := "0x" + pad(strconv.FormatUint(f.Int, 16), 16)
		if v := math.Float64frombits(f.Int); plausible(v) {
			s += " (double " + strconv.FormatFloat(v, 'g', -1, 64) + ")"
		}
		return s
	case KindPacked:
		var b strings.Builder
		b.WriteByte('[')
		for i, v := range f.Packed {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(varint(v))
		}
		b.WriteByte(']')
		return b.String()
	}
	return hexValue(f.Bytes)
}

func varint(v uint64) string {
	s := strconv.FormatUint(v, 10)
	if int64(v) < 0 {
		s += " (" + strconv.FormatInt(int64(v), 10) + ")"
	}
	return s
}

// plausible reports whether a fixed value read as a float looks like a
// number someone stored: not an integer's bits read as a tiny denormal.
func plausible(v float64) bool {
	a := math.Abs(v)
	return v == 0 || a >= 1e-9 && a <= 1e15
}

func pad(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return strings.Repeat("0", n-len(s)) + s
}

// hexValue renders bytes as "<0a0bff>", the first maxHex of them when
// there are more, followed by the full length.
func hexValue(b []byte) string {
	if len(b) <= maxHex {
		return "<" + hex.EncodeToString(b) + ">"
	}
	return "<" + hex.EncodeToString(b[:maxHex]) + "…> (" + strconv.Itoa(len(b)) + " bytes)"
}
