package main

import (
	"context"
	"crypto/tls"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"

	"github.com/siphonproxy/siphon/ui/keymap"
)

// TestTUIGRPC runs a real grpc-go client through siphon's TUI (with
// --proto) to a real grpc-go server: the list marks the calls h2 and shows
// their service/Method and a failed call's status; the gRPC tab shows the
// status with its message and the messages with field names; the
// Response tab shows the trailers; the list's filter finds a call by a
// field name of its request.
func TestTUIGRPC(t *testing.T) {
	cert, originCA := originCert(t)
	o := startGRPCOrigin(t, cert)
	h := startTUIHarness(t, "--upstream-ca", originCA, "--proto", writeDescriptorSet(t, false))

	creds := credentials.NewTLS(&tls.Config{RootCAs: h.app.run.ca.Pool()})
	conn, err := grpc.NewClient("passthrough:///"+o.addr, grpc.WithTransportCredentials(creds),
		grpc.WithContextDialer(dialConnect(h.app.run.addr.String())))
	must(t, err)
	defer conn.Close()
	client := testpb.NewTestServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	grpcUnary(t, ctx, client, o)
	req := &testpb.SimpleRequest{ResponseSize: 3, FillOauthScope: true,
		ResponseStatus: &testpb.EchoStatus{Code: int32(codes.PermissionDenied), Message: grpcErrorStatus}}
	var trailer metadata.MD
	_, err = client.UnaryCall(ctx, req, grpc.Trailer(&trailer))
	checkGRPCError(t, err, trailer, codes.PermissionDenied)

	h.wait("POST h2", "grpc.testing.TestService/UnaryCall", "grpc.testing.TestService/UnaryCall PERMISSION_DENIED")
	h.press(keymap.ScopeList, keymap.ActBottom)
	h.press(keymap.ScopeList, keymap.ActOpen)
	h.wait("[Request]", "gRPC")
	for range 3 {
		h.press(keymap.ScopeFlow, keymap.ActNextTab)
	}
	h.wait("[gRPC]", "method   grpc.testing.TestService/UnaryCall", "status   PERMISSION_DENIED (7): "+grpcErrorStatus,
		"grpc.testing.SimpleRequest", `"fill_oauth_scope": true`, `"code": 7`)
	// The failed call came Trailers-Only; the other's status is in its
	// trailers, which the Response tab lists after the body.
	h.press(keymap.ScopeFlow, keymap.ActBack)
	h.press(keymap.ScopeList, keymap.ActUp)
	h.press(keymap.ScopeList, keymap.ActOpen)
	h.wait("#1 POST", "status   OK (0)", `"username": "unary"`) // the tab bar stays as it was
	h.press(keymap.ScopeFlow, keymap.ActPrevTab)
	h.press(keymap.ScopeFlow, keymap.ActPrevTab)
	h.wait("[Response]", "trailers", "Grpc-Status: 0")

	h.press(keymap.ScopeFlow, keymap.ActBack)
	h.press(keymap.ScopeList, keymap.ActFilter)
	h.typeLine("~bq fill_oauth_scope")
	h.wait("1/2 flows", "PERMISSION_DENIED")
}
