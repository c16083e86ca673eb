package filter

import (
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/protobuf/proto"

	"github.com/siphonproxy/siphon/grpcmsg"
	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/internal/testutil/grpctest"
	"github.com/siphonproxy/siphon/session"
)

// grpcFrame is one gRPC message with its 5-byte prefix.
func grpcFrame(compressed bool, payload []byte) []byte {
	b := make([]byte, 5, 5+len(payload))
	if compressed {
		b[0] = 1
	}
	binary.BigEndian.PutUint32(b[1:], uint32(len(payload)))
	return append(b, payload...)
}

func mustMarshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// grpcCall is baseFlow as a unary call of grpc.testing.TestService/
// UnaryCall: a gzip-compressed request asking for user "ada", answered
// with username "ada@example.com" and grpc-status 0 in the trailers.
func grpcCall(t testing.TB) *session.Flow {
	f := baseFlow()
	f.Request.URL = "https://api.example.com/grpc.testing.TestService/UnaryCall"
	f.Request.Proto, f.Response.Proto = "HTTP/2.0", "HTTP/2.0"
	req := mustMarshal(t, &testpb.SimpleRequest{Payload: &testpb.Payload{Body: []byte("hello ada")}, FillUsername: true})
	f.Request.Header = http.Header{"Content-Type": {"application/grpc"}, "Grpc-Encoding": {"gzip"}}
	f.Request.Body = body(string(grpcFrame(true, testutil.Gzip(string(req)))))
	resp := mustMarshal(t, &testpb.SimpleResponse{Username: "ada@example.com", OauthScope: "users.read"})
	f.Response.Header = http.Header{"Content-Type": {"application/grpc+proto"}}
	f.Response.Body = body(string(grpcFrame(false, resp)))
	f.Response.Trailer = http.Header{"Grpc-Status": {"0"}}
	return f
}

// grpcTypes are the types of grpc_testing's test.proto and its imports.
func grpcTypes(t testing.TB) *grpcmsg.Types {
	t.Helper()
	types, err := grpcmsg.NewTypes(grpctest.DescriptorSet(false))
	if err != nil {
		t.Fatal(err)
	}
	return types
}

func TestGRPCOperator(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/grpc":                true,
		"application/grpc+proto":          true,
		"application/grpc-web+proto":      true,
		"application/grpc-web-text":       true,
		"application/grpc-web-text+proto": true,
		"application/json":                false,
		"application/grpcfoo":             false,
	} {
		f := baseFlow()
		f.Request.Header.Set("Content-Type", ct)
		if got := mustParse(t, "~grpc").Match(f); got != want {
			t.Errorf("~grpc on %s: %v, want %v", ct, got, want)
		}
	}
	// A response alone can say so (a request without Content-Type).
	f := baseFlow()
	f.Request.Header.Del("Content-Type")
	f.Response.Header.Set("Content-Type", "application/grpc")
	if !mustParse(t, "~grpc").Match(f) {
		t.Error("~grpc misses a call known by its response")
	}
}

// ~b, ~bq and ~bs find text in gRPC messages, compressed or not, without a
// schema; with Types, their JSON too.
func TestGRPCBody(t *testing.T) {
	f := grpcCall(t)
	types := grpcTypes(t)
	tests := []struct {
		expr       string
		want, with bool // without and with Types
	}{
		{"~bq 'hello ada'", true, true},   // in a gzip-compressed message
		{"~b 'hello ada'", true, true},    //
		{"~bs 'hello ada'", false, false}, // not in the response
		{`~bq '^4: 1$'`, false, false},    // ^ and $ are the whole text
		{`~bq '(?m)^4: 1$'`, true, true},  // fill_username = 4, schemaless
		{`~bs '1: "ada@example\.com"'`, false, false},
		{`~bs '2: "ada@example\.com"'`, true, true},
		{`~bs '"username": "ada@'`, false, true}, // JSON with field names
		{`~bq '"fill_username": true'`, false, true},
		{`~bq '"username"'`, false, false}, // a request's JSON is a SimpleRequest
		{"~bs users.read", true, true},     // raw bytes, as before
	}
	for _, tt := range tests {
		if got := mustParse(t, tt.expr).Match(f); got != tt.want {
			t.Errorf("Parse(%q).Match = %v, want %v", tt.expr, got, tt.want)
		}
		flt, err := ParseWith(tt.expr, Options{Types: types})
		if err != nil {
			t.Fatal(err)
		}
		if got := flt.Match(f); got != tt.with {
			t.Errorf("ParseWith(%q, types).Match = %v, want %v", tt.expr, got, tt.with)
		}
	}
	// The same bytes without a gRPC Content-Type are not decoded.
	f.Request.Header.Set("Content-Type", "application/octet-stream")
	f.Response.Header.Set("Content-Type", "application/octet-stream")
	if mustParse(t, "~bq 'hello ada'").Match(f) {
		t.Error("a body that is not gRPC was decoded")
	}
}

func TestGRPCWebTextBody(t *testing.T) {
	f := baseFlow()
	f.Request.Header.Set("Content-Type", "application/grpc-web-text")
	msg := mustMarshal(t, &testpb.SimpleRequest{Payload: &testpb.Payload{Body: []byte("from the browser")}})
	f.Request.Body = body(base64.StdEncoding.EncodeToString(grpcFrame(false, msg)))
	if !mustParse(t, "~bq 'from the browser'").Match(f) {
		t.Error("~bq misses text in a grpc-web-text message")
	}
}

// A filter over a session file sees the messages of calls read back from
// it, which needs their grpc-encoding header as well as their bodies.
func TestGRPCBodyFromStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	store, err := session.Open(path, session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	store.Add(grpcCall(t))
	plain := baseFlow()
	plain.ID, plain.Seq = "f2", 2
	store.Add(plain)
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	store, err = session.Open(path, session.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for expr, want := range map[string]int{"~grpc": 1, "~bq 'hello ada'": 1, "~b ada": 2} {
		if got := len(store.List(mustParse(t, expr), 0, -1)); got != want {
			t.Errorf("%s lists %d flows, want %d", expr, got, want)
		}
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}

func mustParse(t testing.TB, expr string) *Filter {
	t.Helper()
	f, err := Parse(expr)
	if err != nil {
		t.Fatalf("Parse(%q): %v", expr, err)
	}
	return f
}
