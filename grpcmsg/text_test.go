package grpcmsg_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/siphonproxy/siphon/grpcmsg"
)

// msg builds a message from protowire appends.
func msg(parts ...func([]byte) []byte) []byte {
	var b []byte
	for _, p := range parts {
		b = p(b)
	}
	return b
}

func varintField(n protowire.Number, v uint64) func([]byte) []byte {
	return func(b []byte) []byte {
		return protowire.AppendVarint(protowire.AppendTag(b, n, protowire.VarintType), v)
	}
}

func bytesField(n protowire.Number, v []byte) func([]byte) []byte {
	return func(b []byte) []byte {
		return protowire.AppendBytes(protowire.AppendTag(b, n, protowire.BytesType), v)
	}
}

func fixed32Field(n protowire.Number, v uint32) func([]byte) []byte {
	return func(b []byte) []byte {
		return protowire.AppendFixed32(protowire.AppendTag(b, n, protowire.Fixed32Type), v)
	}
}

func fixed64Field(n protowire.Number, v uint64) func([]byte) []byte {
	return func(b []byte) []byte {
		return protowire.AppendFixed64(protowire.AppendTag(b, n, protowire.Fixed64Type), v)
	}
}

func groupField(n protowire.Number, inner []byte) func([]byte) []byte {
	return func(b []byte) []byte {
		return protowire.AppendGroup(protowire.AppendTag(b, n, protowire.StartGroupType), n, inner)
	}
}

func TestText(t *testing.T) {
	packed := protowire.AppendVarint(protowire.AppendVarint(protowire.AppendVarint(nil, 1), 150), 3)
	inner := msg(varintField(1, 42), bytesField(2, []byte("nested")))
	m := msg(
		varintField(1, 150),
		bytesField(2, []byte("héllo\nworld")),
		bytesField(3, inner),
		varintField(4, math.MaxUint64), // int64 -1
		fixed32Field(5, math.Float32bits(1.5)),
		fixed64Field(6, math.Float64bits(-2.25)),
		fixed64Field(7, 42), // an integer, not a plausible double
		bytesField(8, packed),
		bytesField(9, []byte{0xff, 0x00, 0xfe}),
		bytesField(10, nil),
		groupField(11, msg(varintField(1, 7))),
		bytesField(12, msg(bytesField(1, msg(varintField(2, 3))))),
	)
	want := `1: 150
2: "héllo\nworld"
3 {
  1: 42
  2: "nested"
}
4: 18446744073709551615 (-1)
5: 0x3fc00000 (float 1.5)
6: 0xc002000000000000 (double -2.25)
7: 0x000000000000002a
8: [1, 150, 3]
9: <ff00fe>
10: ""
11 {
  1: 7
}
12 {
  1 {
    2: 3
  }
}
`
	if got := grpcmsg.Text(m); got != want {
		t.Errorf("Text:\n%s\nwant:\n%s", got, want)
	}
	fields, err := grpcmsg.Parse(m)
	if err != nil || len(fields) != 12 {
		t.Fatalf("Parse: %d fields, %v", len(fields), err)
	}
	if f := fields[2]; f.Kind != grpcmsg.KindMessage || f.Fields[1].Kind != grpcmsg.KindString || string(f.Fields[1].Bytes) != "nested" {
		t.Errorf("field 3: %+v", f)
	}
	if f := fields[7]; f.Kind != grpcmsg.KindPacked || len(f.Packed) != 3 || f.Packed[1] != 150 {
		t.Errorf("field 8: %+v", f)
	}
}

// Bytes that are not protobuf end the text with a note and their hex;
// the fields before them are kept.
func TestTextNotProtobuf(t *testing.T) {
	m := append(msg(varintField(1, 1)), 0x0f, 0xff) // wire type 7
	got := grpcmsg.Text(m)
	want := "1: 1\n# not protobuf from byte 2 (unexpected wire type 7): <0fff>\n"
	if got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
	_, err := grpcmsg.Parse(m)
	var pe *grpcmsg.ParseError
	if !errors.As(err, &pe) || pe.Offset != 2 {
		t.Errorf("Parse error %v", err)
	}
	// A length past the end.
	if got := grpcmsg.Text([]byte{0x0a, 0x05, 'a'}); !strings.HasPrefix(got, "# not protobuf from byte 0 (unexpected EOF): <0a0561>") {
		t.Errorf("Text = %q", got)
	}
}

// Nesting deeper than MaxDepth is shown as bytes, not recursed into.
func TestTextDepthBound(t *testing.T) {
	m := msg(varintField(1, 1))
	for range grpcmsg.MaxDepth + 5 {
		m = msg(bytesField(1, m))
	}
	got := grpcmsg.Text(m)
	if n := strings.Count(got, "{"); n != grpcmsg.MaxDepth {
		t.Errorf("%d levels shown, want %d", n, grpcmsg.MaxDepth)
	}
	if !strings.Contains(got, ": [10, 8, 10, 6,") {
		t.Errorf("the deepest level is not read as packed varints:\n%s", got)
	}
}

func TestTextBounds(t *testing.T) {
	// More fields than MaxFields.
	var m []byte
	for range grpcmsg.MaxFields + 10 {
		m = varintField(1, 1)(m)
	}
	got := grpcmsg.Text(m)
	if !strings.HasSuffix(got, "fields: the rest is not shown\n") {
		t.Errorf("too many fields: ...%q", got[max(0, len(got)-80):])
	}
	if _, err := grpcmsg.Parse(m); !errors.Is(err, grpcmsg.ErrTooManyFields) {
		t.Errorf("Parse error %v", err)
	}
	// A long string is cut at the limit, on a rune boundary.
	long := msg(bytesField(1, []byte(strings.Repeat("é", grpcmsg.MaxText))))
	got = grpcmsg.Text(long)
	if len(got) > grpcmsg.MaxText+100 || !strings.HasSuffix(got, "… (text cut at 1048576 bytes)\n") {
		t.Errorf("long string: %d bytes, ends %q", len(got), got[max(0, len(got)-60):])
	}
	if out := grpcmsg.AppendText([]byte("prefix\n"), msg(varintField(1, 1), varintField(2, 2)), 8); string(out) != "prefix\n1: 1\n… (text cut at 8 bytes)\n" {
		t.Errorf("AppendText = %q", out)
	}
}

// A message that reaches MaxFields inside a nested message keeps the
// nested fields read before the bound.
func TestTextBoundInsideNested(t *testing.T) {
	var inner []byte
	for range grpcmsg.MaxFields + 10 {
		inner = varintField(1, 1)(inner)
	}
	m := msg(varintField(5, 5), bytesField(2, inner))
	fields, err := grpcmsg.Parse(m)
	if !errors.Is(err, grpcmsg.ErrTooManyFields) || len(fields) != 2 || len(fields[1].Fields) != grpcmsg.MaxFields-2 {
		t.Fatalf("Parse: %v, %d fields", err, len(fields))
	}
	got := grpcmsg.Text(m)
	if !strings.HasPrefix(got, "5: 5\n2 {\n  1: 1\n") || !strings.HasSuffix(got, "fields: the rest is not shown\n") {
		t.Errorf("Text starts %q, ends %q", got[:20], got[len(got)-40:])
	}
}
