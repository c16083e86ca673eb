package main

import (
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/protobuf/proto"

	"github.com/siphonproxy/siphon/internal/testutil/grpctest"
	"github.com/siphonproxy/siphon/session"
)

// writeDescriptorSet writes the FileDescriptorSet of grpc_testing's
// test.proto, with its imports unless bare, as protoc would.
func writeDescriptorSet(t *testing.T, bare bool) string {
	t.Helper()
	return grpctest.WriteDescriptorSet(t, bare)
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustMarshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func grpcFrame(flags byte, payload []byte) []byte {
	b := make([]byte, 5, 5+len(payload))
	b[0] = flags
	binary.BigEndian.PutUint32(b[1:], uint32(len(payload)))
	return append(b, payload...)
}

// grpcFlows are a unary gRPC call answered with username ada@example.com,
// a call that failed with NOT_FOUND in a Trailers-Only response, and a
// gRPC-Web call whose status is in its body's trailer frame.
func grpcFlows(t *testing.T) []*session.Flow {
	at := session.StampOf(time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC))
	call := func(id string, ct string, req, resp []byte, respHeader, trailer http.Header) *session.Flow {
		respHeader.Set("Content-Type", ct)
		return &session.Flow{
			ID: id, State: session.Done, Kind: session.HTTP,
			Client: session.Peer{Addr: "127.0.0.1:50000"},
			Request: &session.Request{Method: "POST", URL: "https://api.example/grpc.testing.TestService/UnaryCall", Proto: "HTTP/2.0",
				Header: http.Header{"Content-Type": {ct}}, Body: session.Body{Data: req, Size: int64(len(req))}},
			Response: &session.Response{Status: 200, Reason: "OK", Proto: "HTTP/2.0", Header: respHeader, Trailer: trailer,
				Body: session.Body{Data: resp, Size: int64(len(resp))}},
			Timings: session.Timings{RequestReceived: at, Complete: at.Add(3 * time.Millisecond)},
		}
	}
	req := grpcFrame(0, mustMarshal(t, &testpb.SimpleRequest{FillUsername: true}))
	resp := grpcFrame(0, mustMarshal(t, &testpb.SimpleResponse{Username: "ada@example.com"}))
	web := base64.StdEncoding.EncodeToString(grpcFrame(0x80, []byte("grpc-status: 7\r\ngrpc-message: go%20away\r\n")))
	return []*session.Flow{
		call("ok", "application/grpc", req, resp, http.Header{}, http.Header{"Grpc-Status": {"0"}}),
		call("notfound", "application/grpc", req, nil, http.Header{"Grpc-Status": {"5"}, "Grpc-Message": {"no%20such%20user"}}, nil),
		call("web", "application/grpc-web-text", []byte(base64.StdEncoding.EncodeToString(req)), []byte(web), http.Header{}, nil),
	}
}

func TestFormatGRPCFlow(t *testing.T) {
	want := []string{
		" POST https://api.example/grpc.testing.TestService/UnaryCall HTTP/2.0 -> HTTP/2.0 200 OK grpc OK ",
		" -> HTTP/2.0 200 OK grpc NOT_FOUND \"no such user\" ",
		" -> HTTP/2.0 200 OK grpc-web-text PERMISSION_DENIED \"go away\" ",
	}
	for i, f := range grpcFlows(t) {
		if got := formatFlow(f); !strings.Contains(got, want[i]) {
			t.Errorf("formatFlow(%s) = %q, want it to contain %q", f.ID, got, want[i])
		}
	}
	f := grpcFlows(t)[0]
	f.Response.Trailer = nil
	if got := formatFlow(f); !strings.Contains(got, " 200 OK grpc (no grpc-status) ") {
		t.Errorf("without a status: %q", got)
	}
}

// siphon dump --read prints gRPC calls with their status, gRPC-Web ones
// from the body stored on disk; --proto lets filters match field names.
func TestDumpGRPCWithProto(t *testing.T) {
	sess := filepath.Join(t.TempDir(), "grpc.db")
	store, err := session.Open(sess, session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range grpcFlows(t) {
		store.Add(f)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runSiphon(t, "dump", "--read", sess, "--filter", "~grpc")
	if code != 0 || strings.Count(out, "\n") != 3 || !strings.Contains(out, " grpc-web-text PERMISSION_DENIED \"go away\" ") ||
		!strings.Contains(out, " grpc NOT_FOUND \"no such user\" ") {
		t.Fatalf("dump --read: exit %d, %s\n%s", code, out, errOut)
	}
	byName := `~bs '"username": "ada@'`
	if out, _, _ := runSiphon(t, "dump", "--read", sess, "--filter", byName); out != "" {
		t.Fatalf("without --proto the filter matched field names:\n%s", out)
	}
	set := writeDescriptorSet(t, false)
	out, errOut, code = runSiphon(t, "dump", "--read", sess, "--proto", set, "--filter", byName)
	// (Its grpc-status is in trailers, which the session file may not keep.)
	if code != 0 || strings.Count(out, "\n") != 1 || !strings.Contains(out, "/UnaryCall HTTP/2.0 -> HTTP/2.0 200 OK grpc ") {
		t.Fatalf("--proto: exit %d, %q\n%s", code, out, errOut)
	}
	// Schemaless text needs no --proto: SimpleResponse.username is field 2.
	if out, _, _ := runSiphon(t, "dump", "--read", sess, "--filter", `~bs '2: "ada@'`); strings.Count(out, "\n") != 1 {
		t.Fatalf("schemaless filter: %q", out)
	}
}

func TestProtoFlagMistakes(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.pb")
	garbage := writeTemp(t, "api.proto", []byte("syntax = \"proto3\";\nmessage M { string a = 1; }\n"))
	bare := writeDescriptorSet(t, true)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--proto", missing}, "siphon: --proto " + missing + ": open " + missing + ": no such file or directory\n"},
		{[]string{"--proto", garbage}, "siphon: --proto " + garbage + ": not a FileDescriptorSet ("},
		{[]string{"--proto", bare}, "--include_imports"},
		{[]string{"--proto", writeDescriptorSet(t, false), "--proto", garbage}, "siphon: --proto " + garbage + ": "},
	} {
		args := append([]string{"dump", "--listen", "127.0.0.1:0"}, tt.args...)
		_, errOut, code := runSiphon(t, args...)
		if code != 2 || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "siphon: --proto ") || !strings.Contains(errOut, tt.want) {
			t.Errorf("siphon %v: exit %d, stderr %q; want exit 2 and one line with %q", args, code, errOut, tt.want)
		}
	}
}
