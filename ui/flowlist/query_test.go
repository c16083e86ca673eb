package flowlist

import (
	"context"
	"encoding/binary"
	"net/http"
	"testing"

	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/protobuf/proto"

	"github.com/siphonproxy/siphon/grpcmsg"
	"github.com/siphonproxy/siphon/internal/testutil/grpctest"
	"github.com/siphonproxy/siphon/session"
)

// interopTypes are the types of grpc-go's interop TestService, as --proto
// loads them.
func interopTypes(t *testing.T) *grpcmsg.Types {
	t.Helper()
	types, err := grpcmsg.NewTypes(grpctest.DescriptorSet(false))
	if err != nil {
		t.Fatal(err)
	}
	return types
}

// With --proto's types, the list's filter matches a gRPC request by the
// field names of its message; without them it cannot.
func TestFilterWithProtoTypes(t *testing.T) {
	payload, err := proto.Marshal(&testpb.SimpleRequest{ResponseSize: 7, FillUsername: true})
	if err != nil {
		t.Fatal(err)
	}
	body := append(binary.BigEndian.AppendUint32([]byte{0}, uint32(len(payload))), payload...)
	call := &session.Flow{State: session.Done,
		Request: &session.Request{Method: "POST", URL: "https://api.test/grpc.testing.TestService/UnaryCall", Proto: "HTTP/2.0",
			Header: http.Header{"Content-Type": {"application/grpc"}}, Body: session.Body{Data: body, Size: int64(len(body))}},
		Response: &session.Response{Status: 200, Proto: "HTTP/2.0", Header: http.Header{"Content-Type": {"application/grpc"}},
			Trailer: http.Header{"Grpc-Status": {"0"}}}}
	for _, c := range []struct {
		types *grpcmsg.Types
		want  int
	}{{nil, 0}, {interopTypes(t), 1}} {
		l := listOf(t, 100, call)
		l.SetProtoTypes(c.types)
		l.SetFilter(`~bq response_size`)
		l.Refreshed(l.RefreshNow(context.Background()))
		if shown, _ := l.Counts(); shown != c.want {
			t.Errorf("types %v: the filter shows %d flows, want %d", c.types != nil, shown, c.want)
		}
		if err := l.StartFilter(`~bq fill_username`); err != nil {
			t.Fatal(err)
		}
		l.Refreshed(l.RefreshNow(context.Background()))
		if shown, _ := l.Counts(); shown != c.want {
			t.Errorf("types %v: the starting filter shows %d flows, want %d", c.types != nil, shown, c.want)
		}
	}
}
