package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/siphonproxy/siphon/grpcmsg"
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
	} else {
		checkGRPCStatusStored(t, c, r.Trailer)
	}
}

// checkGRPCDecoded checks that the stored call decodes into the messages
// sent and received: without a schema (each message's raw text equals
// that of the proto sent) and with the descriptor set in protoFile (JSON
// with the .proto field names), and that its status reads back.
func checkGRPCDecoded(t *testing.T, f *session.Flow, protoFile string, c grpcCall) {
	t.Helper()
	types, err := grpcmsg.LoadTypes(protoFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, schema := range []*grpcmsg.Types{nil, types} {
		call := grpcmsg.Decode(f, schema)
		if call.Service != "grpc.testing.TestService" || call.Method != c.method {
			t.Errorf("%s: decoded as %s/%s", c.method, call.Service, call.Method)
		}
		if !call.HasStatus || call.Status.Code != grpcmsg.Code(c.code) {
			t.Errorf("%s: decoded status %v (found %v), want code %d", c.method, call.Status, call.HasStatus, c.code)
		}
		for _, side := range []struct {
			name string
			got  *grpcmsg.Messages
			want []proto.Message
		}{{"request", call.Request, c.req}, {"response", call.Response, c.res}} {
			if len(side.got.Decoded) != len(side.want) {
				t.Errorf("%s: %s decodes into %d messages, want %d", c.method, side.name, len(side.got.Decoded), len(side.want))
				continue
			}
			for i, m := range side.want {
				d := side.got.Decoded[i]
				if want := grpcmsg.Text(mustMarshal(t, m)); d.Text != want {
					t.Errorf("%s: %s message %d decodes as\n%s\nwant\n%s", c.method, side.name, i, d.Text, want)
				}
				if schema == nil {
					continue
				}
				want, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(m)
				if err != nil {
					t.Fatal(err)
				}
				if d.JSONErr != nil || d.Unknown || !sameJSON([]byte(d.JSON), want) {
					t.Errorf("%s: %s message %d with --proto: JSON %s (err %v, unknown fields %v), want %s", c.method, side.name, i, d.JSON, d.JSONErr, d.Unknown, want)
				}
			}
		}
	}
}

// sameJSON reports whether a and b are the same JSON value.
func sameJSON(a, b []byte) bool {
	var va, vb any
	return json.Unmarshal(a, &va) == nil && json.Unmarshal(b, &vb) == nil && reflect.DeepEqual(va, vb)
}

// grpcStatusName is how siphon names status code c: OK, NOT_FOUND, ...
func grpcStatusName(c codes.Code) string { return grpcmsg.Code(c).String() }

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
