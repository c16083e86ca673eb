package grpcmsg_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/grpcmsg"
)

func TestSplitIdentityAndGzip(t *testing.T) {
	one, two := []byte{0x08, 0x01}, []byte("\x12\x03abc")
	body := concat(frame(0, one), frame(1, gzipped(t, two)), frame(0, nil))
	b := grpcmsg.Split(body, grpcmsg.GRPC, "gzip", false)
	if b.Err != nil || b.Cut != nil || len(b.Messages) != 3 {
		t.Fatalf("split: %+v", b)
	}
	if m := b.Messages[0]; m.Compressed || string(m.Data) != string(one) || m.Offset != 0 || m.WireSize != 2 {
		t.Errorf("message 1: %+v", m)
	}
	if m := b.Messages[1]; !m.Compressed || m.Err != nil || string(m.Data) != string(two) || m.Offset != 7 {
		t.Errorf("message 2: %+v", m)
	}
	if m := b.Messages[2]; len(m.Data) != 0 || m.Err != nil {
		t.Errorf("empty message 3: %+v", m)
	}
}

// An encoding siphon cannot undo spoils only the messages that use it.
func TestSplitUnknownEncodingIsPerMessage(t *testing.T) {
	body := concat(frame(1, []byte("snappy bytes")), frame(0, []byte{0x08, 0x2a}))
	b := grpcmsg.Split(body, grpcmsg.GRPC, "snappy", false)
	if len(b.Messages) != 2 {
		t.Fatalf("split: %+v", b)
	}
	if err := b.Messages[0].Err; err == nil || !strings.Contains(err.Error(), `unsupported grpc-encoding "snappy"`) {
		t.Errorf("message 1 error %v", err)
	}
	if string(b.Messages[0].Data) != "snappy bytes" {
		t.Errorf("message 1 keeps %q, want its wire bytes", b.Messages[0].Data)
	}
	if m := b.Messages[1]; m.Err != nil || string(m.Data) != "\x08\x2a" {
		t.Errorf("message 2: %+v", m)
	}
	// Flagged compressed without any grpc-encoding, and corrupt gzip.
	b = grpcmsg.Split(concat(frame(1, []byte("x")), frame(0, []byte{0x08, 1})), grpcmsg.GRPC, "", false)
	if err := b.Messages[0].Err; err == nil || !strings.Contains(err.Error(), "no grpc-encoding") || b.Messages[1].Err != nil {
		t.Errorf("no encoding: %+v", b.Messages)
	}
	b = grpcmsg.Split(frame(1, []byte("not gzip at all")), grpcmsg.GRPC, "GZIP", false)
	if err := b.Messages[0].Err; err == nil || !strings.Contains(err.Error(), "gunzip") {
		t.Errorf("corrupt gzip: %+v", b.Messages)
	}
}

// A body cut at the capture limit keeps its complete messages and says
// which one is cut, and why.
func TestSplitCut(t *testing.T) {
	full := concat(frame(0, []byte{0x08, 0x01}), frame(0, make([]byte, 100)))
	b := grpcmsg.Split(full[:7+5+40], grpcmsg.GRPC, "", true)
	if len(b.Messages) != 1 || b.Cut == nil {
		t.Fatalf("split: %+v", b)
	}
	if *b.Cut != (grpcmsg.Cut{Index: 1, Have: 40, Want: 100, Truncated: true}) {
		t.Errorf("cut %+v", *b.Cut)
	}
	if got, want := b.Cut.String(), "message 2 cut short: 40 of 100 bytes (the body was truncated at the capture limit)"; got != want {
		t.Errorf("cut note %q, want %q", got, want)
	}
	b = grpcmsg.Split(full[:9], grpcmsg.GRPC, "", false)
	if len(b.Messages) != 1 || b.Cut == nil || b.Cut.Want != -1 ||
		b.Cut.String() != "message 2 cut short in its 5-byte prefix (the body ended early)" {
		t.Errorf("prefix cut: %+v %v", b, b.Cut)
	}
}

func TestSplitBoundsMessages(t *testing.T) {
	body := []byte(strings.Repeat("\x00\x00\x00\x00\x00", grpcmsg.MaxMessages+7))
	b := grpcmsg.Split(body, grpcmsg.GRPC, "", false)
	if len(b.Messages) != grpcmsg.MaxMessages || b.Omitted != 7 {
		t.Errorf("%d messages, %d omitted", len(b.Messages), b.Omitted)
	}
}

// A gzip bomb decompresses to MaxMessageSize, with an error saying so.
func TestSplitBoundsDecompression(t *testing.T) {
	bomb := gzipped(t, make([]byte, grpcmsg.MaxMessageSize+1))
	b := grpcmsg.Split(frame(1, bomb), grpcmsg.GRPC, "gzip", false)
	m := b.Messages[0]
	if m.Err == nil || !strings.Contains(m.Err.Error(), "more than") || len(m.Data) != grpcmsg.MaxMessageSize {
		t.Errorf("bomb: err %v, %d bytes", m.Err, len(m.Data))
	}
}

func TestSplitWeb(t *testing.T) {
	trailer := "grpc-status: 5\r\ngrpc-message: no%20such%20user\r\nx-custom: a\r\n"
	body := concat(frame(0, []byte{0x08, 0x01}), frame(0x80, []byte(trailer)))
	b := grpcmsg.Split(body, grpcmsg.Web, "", false)
	if len(b.Messages) != 1 || b.Err != nil || b.Cut != nil {
		t.Fatalf("split: %+v", b)
	}
	if b.Trailer.Get("Grpc-Status") != "5" || b.Trailer.Get("X-Custom") != "a" {
		t.Errorf("trailer %v", b.Trailer)
	}
	// Plain gRPC has no trailer frame: 0x80 is just a flag it ignores.
	if g := grpcmsg.Split(body, grpcmsg.GRPC, "", false); len(g.Messages) != 2 || g.Trailer != nil {
		t.Errorf("grpc reads the 0x80 frame as a message: %+v", g)
	}
	// Bytes after the trailer frame are reported, not read.
	b = grpcmsg.Split(concat(body, frame(0, []byte{1})), grpcmsg.Web, "", false)
	if b.Err == nil || !strings.Contains(b.Err.Error(), "6 bytes after the gRPC-Web trailer frame") || b.Trailer == nil {
		t.Errorf("after the trailer: %+v", b)
	}

	f := grpcFlow("application/grpc-web+proto", frame(0, nil), body, nil, nil)
	st, ok := grpcmsg.StatusOf(f)
	if !ok || st.Code != grpcmsg.NotFound || st.Message != "no such user" {
		t.Errorf("StatusOf = %+v %v", st, ok)
	}
}

// gRPC-Web text is base64, possibly one padded chunk per frame, with line
// breaks.
func TestSplitWebText(t *testing.T) {
	m1, m2 := frame(0, []byte{0x08, 0x01}), frame(0, []byte("\x12\x02hi"))
	tr := frame(0x80, []byte("grpc-status: 0\r\n"))
	enc := base64.StdEncoding.EncodeToString
	for name, text := range map[string]string{
		"one chunk":      enc(concat(m1, m2, tr)),
		"chunk a frame":  enc(m1) + enc(m2) + "\r\n" + enc(tr),
		"unpadded chunk": strings.TrimRight(enc(concat(m1, m2, tr)), "="),
	} {
		b := grpcmsg.Split([]byte(text), grpcmsg.WebText, "", false)
		if len(b.Messages) != 2 || string(b.Messages[1].Data) != "\x12\x02hi" || b.Trailer.Get("Grpc-Status") != "0" || b.Err != nil || b.Cut != nil {
			t.Errorf("%s %q: %+v", name, text, b)
		}
	}
	// Cut at the capture limit in the middle of the base64.
	text := enc(m1) + enc(m2)
	b := grpcmsg.Split([]byte(text[:len(text)-3]), grpcmsg.WebText, "", true)
	if len(b.Messages) != 1 || b.Cut == nil || !b.Cut.Truncated || b.Err != nil {
		t.Errorf("cut: %+v", b)
	}
	// Garbage after a good chunk: the good part is kept.
	b = grpcmsg.Split([]byte(enc(m1)+"!!!!"), grpcmsg.WebText, "", false)
	if len(b.Messages) != 1 || b.Err == nil || !strings.Contains(b.Err.Error(), "not base64") {
		t.Errorf("garbage: %+v", b)
	}
}

func TestFramingOf(t *testing.T) {
	for ct, want := range map[string]grpcmsg.Framing{
		"application/grpc":                    grpcmsg.GRPC,
		"application/grpc+proto":              grpcmsg.GRPC,
		"Application/GRPC+json; charset=utf8": grpcmsg.GRPC,
		"application/grpc-web":                grpcmsg.Web,
		"application/grpc-web+proto":          grpcmsg.Web,
		"application/grpc-web-text":           grpcmsg.WebText,
		"application/grpc-web-text+proto":     grpcmsg.WebText,
		"application/grpcx":                   grpcmsg.NotGRPC,
		"application/grpc-webby":              grpcmsg.NotGRPC,
		"application/json":                    grpcmsg.NotGRPC,
		"":                                    grpcmsg.NotGRPC,
	} {
		if got := grpcmsg.FramingOf(ct); got != want {
			t.Errorf("FramingOf(%q) = %v, want %v", ct, got, want)
		}
	}
	if c := grpcmsg.Codec("application/grpc+json"); c != "json" {
		t.Errorf("Codec = %q", c)
	}
	if c := grpcmsg.Codec("application/grpc"); c != "proto" {
		t.Errorf("Codec = %q", c)
	}
}

func TestParseMethod(t *testing.T) {
	for in, want := range map[string]string{
		"https://h/pkg.Svc/Get":            "pkg.Svc Get",
		"/pkg.v1.Users/List":               "pkg.v1.Users List",
		"https://h:8443/api/pkg.Svc/Get?x": "pkg.Svc Get",
		"https://h/Svc/Get/":               "Svc Get",
		"https://h/Get":                    "",
		"https://h/":                       "",
		"https://h//Get":                   "",
	} {
		s, m, ok := grpcmsg.ParseMethod(in)
		got := ""
		if ok {
			got = s + " " + m
		}
		if got != want {
			t.Errorf("ParseMethod(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStatus(t *testing.T) {
	// Trailers-Only: a call that fails before any message has its status
	// in the response headers.
	f := grpcFlow("application/grpc", frame(0, nil), nil,
		http.Header{"Grpc-Status": {"14"}, "Grpc-Message": {"backend%20down%3A%20%E2%9C%97%"}}, nil)
	st, ok := grpcmsg.StatusOf(f)
	if !ok || st.Code != grpcmsg.Unavailable || st.Message != "backend down: ✗%" || st.String() != "UNAVAILABLE: backend down: ✗%" {
		t.Errorf("Trailers-Only: %+v %v %q", st, ok, st.String())
	}
	// Trailers win over headers; lower-case keys are found too.
	f = grpcFlow("application/grpc", nil, nil, http.Header{"Grpc-Status": {"14"}}, http.Header{"grpc-status": {"0"}})
	if st, ok := grpcmsg.StatusOf(f); !ok || st.Code != grpcmsg.OK {
		t.Errorf("trailers: %+v", st)
	}
	f = grpcFlow("application/grpc", nil, nil, nil, nil)
	if _, ok := grpcmsg.StatusOf(f); ok {
		t.Error("a status without grpc-status")
	}
	f.Request.Header.Set("Content-Type", "application/json")
	f.Response.Header.Set("Content-Type", "application/json")
	f.Response.Header.Set("Grpc-Status", "0")
	if _, ok := grpcmsg.StatusOf(f); ok {
		t.Error("a status for a flow that is not gRPC")
	}
	st, _ = grpcmsg.ParseStatus(http.Header{"Grpc-Status": {"abc"}})
	if st.Code != grpcmsg.Unknown || st.String() != `UNKNOWN (grpc-status "abc")` {
		t.Errorf("malformed: %+v %q", st, st.String())
	}
	if s := grpcmsg.Code(42).String(); s != "CODE(42)" {
		t.Errorf("Code(42) = %q", s)
	}
	if s := grpcmsg.Canceled.String(); s != "CANCELLED" {
		t.Errorf("Canceled = %q", s)
	}
}

// A gateway's Content-Encoding on a gRPC-Web body is undone first.
func TestSplitContentEncoding(t *testing.T) {
	body := frame(0, []byte{0x08, 0x07})
	f := grpcFlow("application/grpc-web", nil, gzipped(t, body), http.Header{"Content-Encoding": {"gzip"}}, nil)
	if b := grpcmsg.SplitResponse(f); len(b.Messages) != 1 || string(b.Messages[0].Data) != "\x08\x07" {
		t.Errorf("split: %+v", b)
	}
}
