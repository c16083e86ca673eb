package grpcmsg_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/grpcmsg"
)

// textSlack is what Text may add past MaxText: the note that it cut.
const textSlack = 64

// FuzzSplit checks that splitting and decoding any body in any framing
// never panics and stays bounded: at most MaxMessages messages, each at
// most MaxMessageSize, uncompressed ones within the body, and every
// rendering within its limit.
//
// The seed corpus is in testdata/fuzz/FuzzSplit.
func FuzzSplit(f *testing.F) {
	enc := base64.StdEncoding.EncodeToString
	f.Add(concat(frame(0, []byte{0x08, 0x01}), frame(0x80, []byte("grpc-status: 0\r\n"))), uint8(1), "", false)
	f.Add(frame(1, gzipped(f, []byte("\x12\x03abc"))), uint8(0), "gzip", true)
	f.Add([]byte(enc(frame(0, []byte{0x08, 0x01}))+enc(frame(0x80, nil))), uint8(2), "identity", false)
	f.Add([]byte{0, 0, 0, 0}, uint8(0), "zstd", true)
	f.Fuzz(func(t *testing.T, data []byte, framing uint8, encoding string, truncated bool) {
		fr := grpcmsg.Framing(framing%3 + 1)
		b := grpcmsg.Split(data, fr, encoding, truncated)
		if len(b.Messages) > grpcmsg.MaxMessages {
			t.Fatalf("%d messages", len(b.Messages))
		}
		for i, m := range b.Messages {
			if len(m.Data) > grpcmsg.MaxMessageSize {
				t.Fatalf("message %d: %d bytes", i, len(m.Data))
			}
			if !m.Compressed && fr != grpcmsg.WebText && (m.Offset+5+len(m.Data) > len(data) || m.WireSize != len(m.Data)) {
				t.Fatalf("message %d: %+v outside the body of %d bytes", i, m, len(data))
			}
			if m.Err != nil && m.Err.Error() == "" {
				t.Fatalf("message %d: an empty error", i)
			}
		}
		if b.Cut != nil && (b.Cut.Index != len(b.Messages)+b.Omitted || b.Cut.Truncated != truncated || b.Cut.String() == "") {
			t.Fatalf("cut %+v after %d messages", b.Cut, len(b.Messages))
		}

		ct := map[grpcmsg.Framing]string{grpcmsg.GRPC: "application/grpc", grpcmsg.Web: "application/grpc-web", grpcmsg.WebText: "application/grpc-web-text"}[fr]
		fl := grpcFlow(ct, data, data, http.Header{"Grpc-Encoding": {encoding}}, nil)
		fl.Request.Header.Set("Grpc-Encoding", encoding)
		c := grpcmsg.Decode(fl, nil)
		for _, d := range c.Response.Decoded {
			if len(d.Text) > grpcmsg.MaxText+textSlack {
				t.Fatalf("text of %d bytes", len(d.Text))
			}
		}
		_ = c.Request.Format()
		_, _ = grpcmsg.StatusOf(fl)
	})
}

// FuzzText checks that the schemaless decoder never panics on any bytes,
// renders deterministically within its bound, and that Parse's fields
// stay within MaxFields.
//
// The seed corpus is in testdata/fuzz/FuzzText.
func FuzzText(f *testing.F) {
	f.Add(msg(varintField(1, 150), bytesField(2, []byte("hi")), bytesField(3, msg(varintField(1, 1)))))
	f.Add(msg(groupField(4, msg(fixed32Field(1, 7), fixed64Field(2, 9)))))
	f.Add([]byte{0x0b, 0x0b, 0x0b, 0x0c})
	f.Add([]byte(strings.Repeat("\x0a\x02\x08\x01", 10)))
	f.Fuzz(func(t *testing.T, data []byte) {
		out := grpcmsg.Text(data)
		if len(out) > grpcmsg.MaxText+textSlack {
			t.Fatalf("text of %d bytes", len(out))
		}
		if again := grpcmsg.Text(data); again != out {
			t.Fatal("Text is not deterministic")
		}
		fields, err := grpcmsg.Parse(data)
		if n := countFields(fields); n > grpcmsg.MaxFields {
			t.Fatalf("%d fields", n)
		}
		if err == nil && len(data) > 0 && len(fields) == 0 {
			t.Fatal("no fields and no error")
		}
	})
}

func countFields(fields []grpcmsg.Field) int {
	n := len(fields)
	for _, f := range fields {
		n += countFields(f.Fields) + len(f.Packed)
	}
	return n
}
