package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/siphonproxy/siphon/session"
)

// checkGRPCFlow checks what the session holds of call c: an HTTP/2 flow on
// both sides, at url, whose bodies are the messages sent and received.
func checkGRPCFlow(t *testing.T, f *session.Flow, url string, c grpcCall) {
	t.Helper()
	q := f.Request
	if q.Method != "POST" || q.URL != url || q.Proto != "HTTP/2.0" || f.Client.ALPN != "h2" || q.Header.Get("Content-Type") != "application/grpc" {
		t.Errorf("%s: stored request %s %s %s, client ALPN %q, Content-Type %q; want POST %s HTTP/2.0 over h2, application/grpc",
			c.method, q.Method, q.URL, q.Proto, f.Client.ALPN, q.Header.Get("Content-Type"), url)
	}
	if want := grpcFrames(t, c.req...); !bytes.Equal(q.Body.Data, want) || q.Body.Truncated {
		t.Errorf("%s: stored request body %q (truncated %v), want %q", c.method, q.Body.Data, q.Body.Truncated, want)
	}
	r := f.Response
	if f.Err != nil || r == nil {
		t.Fatalf("%s: stored flow failed: %+v, response %+v", c.method, f.Err, r)
	}
	if r.Status != 200 || r.Proto != "HTTP/2.0" || f.Server.ALPN != "h2" {
		t.Errorf("%s: stored response %d %s, server ALPN %q; want 200 HTTP/2.0 over h2", c.method, r.Status, r.Proto, f.Server.ALPN)
	}
	if want := grpcFrames(t, c.res...); !bytes.Equal(r.Body.Data, want) || r.Body.Truncated {
		t.Errorf("%s: stored response body %q (truncated %v), want %q", c.method, r.Body.Data, r.Body.Truncated, want)
	}
	if len(c.res) == 0 {
		checkGRPCStatusStored(t, c, r.Header)
	}
}

// checkGRPCStatusStored checks the status and custom metadata of call c
// among the stored fields: the response's header for a Trailers-Only
// answer (one HEADERS frame, which HTTP/2 gives as the header), its
// trailer otherwise.
func checkGRPCStatusStored(t *testing.T, c grpcCall, fields http.Header) {
	t.Helper()
	if got := fields.Get("Grpc-Status"); got != strconv.Itoa(int(c.code)) {
		t.Errorf("%s: stored grpc-status %q, want %d (fields %v)", c.method, got, c.code, fields)
	}
	// grpc-message is percent-encoded on the wire.
	if got, err := url.PathUnescape(fields.Get("Grpc-Message")); err != nil || got != c.msg {
		t.Errorf("%s: stored grpc-message %q, want %q", c.method, fields.Get("Grpc-Message"), c.msg)
	}
	if c.code == codes.OK {
		return
	}
	// Binary metadata is base64-encoded on the wire, without padding.
	want := http.Header{}
	for k, vv := range grpcErrorTrailer() {
		v := vv[0]
		if strings.HasSuffix(k, "-bin") {
			v = base64.RawStdEncoding.EncodeToString([]byte(v))
		}
		want.Set(k, v)
	}
	for k := range want {
		if got := fields.Get(k); got != want.Get(k) {
			t.Errorf("%s: stored %s %q, want %q", c.method, k, got, want.Get(k))
		}
	}
}

// checkGRPCError checks that a call ended with the status the server sent
// (code, grpcErrorStatus) and with its custom trailer metadata.
func checkGRPCError(t *testing.T, err error, trailer metadata.MD, code codes.Code) {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok || st.Code() != code || st.Message() != grpcErrorStatus {
		t.Errorf("call ended with %v, want code %v and message %q", err, code, grpcErrorStatus)
	}
	for k, want := range grpcErrorTrailer() {
		if got := trailer.Get(k); len(got) != 1 || got[0] != want[0] {
			t.Errorf("trailer %s reached the client as %q, want %q (all: %v)", k, got, want, trailer)
		}
	}
}

// grpcFrames is the body of a gRPC request or response carrying msgs,
// uncompressed: each message prefixed by a zero flag byte and its length.
func grpcFrames(t *testing.T, msgs ...proto.Message) []byte {
	t.Helper()
	var b []byte
	for _, m := range msgs {
		data, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, 0)
		b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
		b = append(b, data...)
	}
	return b
}
