package grpcmsg_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/protobuf/proto"

	"github.com/siphonproxy/siphon/grpcmsg"
	"github.com/siphonproxy/siphon/internal/testutil/grpctest"
)

func writeFile(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "set.pb")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadTypesErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.pb")
	if _, err := grpcmsg.LoadTypes(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	garbage := writeFile(t, []byte("syntax = \"proto3\";\npackage x;\nmessage M { string a = 1; }\n"))
	_, err := grpcmsg.LoadTypes(garbage)
	if err == nil || !strings.Contains(err.Error(), garbage+": ") || !strings.Contains(err.Error(), "want a FileDescriptorSet") {
		t.Errorf("a .proto source: %v", err)
	}
	empty := writeFile(t, nil)
	if _, err := grpcmsg.LoadTypes(empty); err == nil || !strings.Contains(err.Error(), "holds no file descriptors") {
		t.Errorf("empty file: %v", err)
	}
	// test.proto alone, without --include_imports.
	_, err = grpcmsg.LoadTypes(grpctest.WriteDescriptorSet(t, true))
	if err == nil || !strings.Contains(err.Error(), "--include_imports") {
		t.Errorf("missing imports: %v", err)
	}
}

func TestTypes(t *testing.T) {
	path := descriptorSet(t)
	// The same set twice, as two --proto files sharing imports would.
	types, err := grpcmsg.LoadTypes(path, path)
	if err != nil {
		t.Fatal(err)
	}
	if s := types.Services(); !slices.Contains(s, "grpc.testing.TestService") {
		t.Errorf("Services = %v", s)
	}
	md := types.MessageType("grpc.testing.TestService", "UnaryCall", true)
	if md == nil || md.FullName() != "grpc.testing.SimpleResponse" {
		t.Fatalf("output type %v", md)
	}
	if types.MessageType("grpc.testing.TestService", "Nope", false) != nil || (*grpcmsg.Types)(nil).Method("a", "b") != nil {
		t.Error("a method that does not exist")
	}

	data, _ := proto.Marshal(&testpb.SimpleResponse{Username: "ada", OauthScope: "read"})
	js, unknown, err := types.JSON(md, data)
	want := "{\n  \"username\": \"ada\",\n  \"oauth_scope\": \"read\"\n}"
	if err != nil || unknown || string(js) != want {
		t.Errorf("JSON = %s, %v, %v; want %s", js, unknown, err, want)
	}

	// A field the schema does not name (a newer server), nested.
	withUnknown := msg(bytesField(1, msg(varintField(99, 1))))
	if _, unknown, err := types.JSON(md, withUnknown); err != nil || !unknown {
		t.Errorf("unknown nested field: unknown %v, err %v", unknown, err)
	}
	// Bytes that do not fit the schema: invalid UTF-8 in a proto3 string.
	bad := msg(bytesField(2, []byte{0xff, 0xfe}))
	if _, _, err := types.JSON(md, bad); err == nil || !strings.Contains(err.Error(), "grpc.testing.SimpleResponse") {
		t.Errorf("bad message: %v", err)
	}
}

// Decode falls back to the schemaless text when a message does not fit
// its type, and says so.
func TestDecodeJSONError(t *testing.T) {
	types, err := grpcmsg.LoadTypes(descriptorSet(t))
	if err != nil {
		t.Fatal(err)
	}
	bad := msg(bytesField(2, []byte{0xff, 0xfe}))
	f := grpcFlow("application/grpc", frame(0, nil), frame(0, bad), nil, nil)
	f.Request.URL = "https://h/grpc.testing.TestService/UnaryCall"
	c := grpcmsg.Decode(f, types)
	d := c.Response.Decoded[0]
	if d.JSONErr == nil || d.JSON != "" || d.Text != "2: <fffe>\n" {
		t.Fatalf("decoded %+v", d)
	}
	if out := c.Response.Format(); !strings.Contains(out, "; without a schema:\n2: <fffe>\n") {
		t.Errorf("Format:\n%s", out)
	}
}
