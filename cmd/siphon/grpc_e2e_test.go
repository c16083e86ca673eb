package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
)

// grpcCall is one call a test made, as the session should hold it.
type grpcCall struct {
	method string          // TestService's method
	req    []proto.Message // the messages sent, in order
	res    []proto.Message // the messages received, in order
	code   codes.Code      // the status the call ended with
	msg    string          // its message
}

// TestGRPCThroughDump runs every kind of gRPC call from a real grpc-go
// client through siphon to a real grpc-go server, both over TLS: the
// client must get each message, status and trailer as the server sent
// them, without siphon holding a stream back, and the session must hold
// each call as an HTTP/2 flow with its bodies.
//
// The client reaches siphon through a dialer that sends CONNECT
// (dialConnect): grpc-go's own proxy support reads HTTPS_PROXY through
// net/http's ProxyFromEnvironment, which skips loopback targets, is read
// once per process, and can only be replaced through an internal package.
func TestGRPCThroughDump(t *testing.T) {
	cert, originCA := originCert(t)
	o := startGRPCOrigin(t, cert)
	// With the services' descriptor set, the stored calls decode with
	// field names (checkGRPCDecoded).
	protoFile := writeDescriptorSet(t, false)
	p := startProxied(t, originCA, "--proto", protoFile)

	creds := credentials.NewTLS(&tls.Config{RootCAs: p.caPool})
	conn, err := grpc.NewClient("passthrough:///"+o.addr, grpc.WithTransportCredentials(creds), grpc.WithContextDialer(dialConnect(p.addr)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := testpb.NewTestServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	var calls []grpcCall
	for _, step := range []struct {
		name string
		run  func(*testing.T, context.Context, testpb.TestServiceClient, *grpcOrigin) grpcCall
	}{
		{"unary", grpcUnary},
		{"server-streaming", grpcServerStreaming},
		{"client-streaming", grpcClientStreaming},
		{"bidirectional", grpcBidirectional},
		{"unary-error", grpcUnaryError},
		{"stream-error", grpcStreamError},
	} {
		// A call that got a wrong answer is still checked in the session;
		// one that did not end leaves the session's flows out of step.
		ended := false
		t.Run(step.name, func(t *testing.T) {
			calls = append(calls, step.run(t, ctx, client, o))
			ended = true
		})
		if !ended {
			t.Fatalf("the %s call did not end: the session is not checked", step.name)
		}
	}

	flows := p.storedFlows(t)
	if len(flows) != len(calls) {
		t.Fatalf("session holds %d flows, want one per call (%d)", len(flows), len(calls))
	}
	out := p.stdout.String()
	for i, c := range calls {
		url := "https://" + o.addr + "/grpc.testing.TestService/" + c.method
		if line := "POST " + url + " HTTP/2.0 -> HTTP/2.0 200 OK"; !strings.Contains(out, line) {
			t.Errorf("dump output lacks %q:\n%s", line, out)
		}
		if status := " grpc " + grpcStatusName(c.code); !strings.Contains(out, url+" HTTP/2.0 -> HTTP/2.0 200 OK"+status) {
			t.Errorf("dump line of %s lacks %q:\n%s", c.method, status, out)
		}
		checkGRPCFlow(t, flows[i], url, c)
		checkGRPCDecoded(t, flows[i], protoFile, c)
	}
}

func grpcUnary(t *testing.T, ctx context.Context, client testpb.TestServiceClient, _ *grpcOrigin) grpcCall {
	req := &testpb.SimpleRequest{Payload: &testpb.Payload{Body: []byte("hello")}}
	res, err := client.UnaryCall(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	want := &testpb.SimpleResponse{Payload: &testpb.Payload{Body: []byte("pong hello")}, Username: "unary"}
	if !proto.Equal(res, want) {
		t.Fatalf("got %v, want %v", res, want)
	}
	return grpcCall{method: "UnaryCall", req: []proto.Message{req}, res: []proto.Message{want}}
}

// grpcServerStreaming proves that siphon forwards each message as it
// comes: the server sends the second message only once the client has the
// first.
func grpcServerStreaming(t *testing.T, ctx context.Context, client testpb.TestServiceClient, o *grpcOrigin) grpcCall {
	req := &testpb.StreamingOutputCallRequest{ResponseParameters: []*testpb.ResponseParameters{{Size: 3}, {Size: 5}, {Size: 7}}}
	stream, err := client.StreamingOutputCall(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	c := grpcCall{method: "StreamingOutputCall", req: []proto.Message{req}}
	first, err := stream.Recv()
	if err != nil {
		t.Fatalf("the first message did not reach the client while the stream was open: %v", err)
	}
	close(o.release)
	c.res = append(c.res, first)
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		c.res = append(c.res, m)
	}
	var sizes []int
	for _, m := range c.res {
		sizes = append(sizes, len(m.(*testpb.StreamingOutputCallResponse).GetPayload().GetBody()))
	}
	if len(sizes) != 3 || sizes[0] != 3 || sizes[1] != 5 || sizes[2] != 7 {
		t.Fatalf("got messages of sizes %v, want [3 5 7]", sizes)
	}
	return c
}

func grpcClientStreaming(t *testing.T, ctx context.Context, client testpb.TestServiceClient, _ *grpcOrigin) grpcCall {
	stream, err := client.StreamingInputCall(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := grpcCall{method: "StreamingInputCall"}
	for _, n := range []int{10, 200, 3000} {
		req := &testpb.StreamingInputCallRequest{Payload: &testpb.Payload{Body: bytes.Repeat([]byte("u"), n)}}
		if err := stream.Send(req); err != nil {
			t.Fatal(err)
		}
		c.req = append(c.req, req)
	}
	res, err := stream.CloseAndRecv()
	if err != nil {
		t.Fatal(err)
	}
	if res.GetAggregatedPayloadSize() != 3210 {
		t.Fatalf("server counted %d bytes, want 3210", res.GetAggregatedPayloadSize())
	}
	c.res = []proto.Message{res}
	return c
}

// grpcBidirectional plays ping-pong: each ping is sent only once the pong
// of the one before has come back, which a proxy holding back either
// direction would deadlock.
func grpcBidirectional(t *testing.T, ctx context.Context, client testpb.TestServiceClient, _ *grpcOrigin) grpcCall {
	stream, err := client.FullDuplexCall(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := grpcCall{method: "FullDuplexCall"}
	for _, ping := range []string{"ping 1", "ping 2", "ping 3"} {
		req := &testpb.StreamingOutputCallRequest{Payload: &testpb.Payload{Body: []byte(ping)}}
		if err := stream.Send(req); err != nil {
			t.Fatal(err)
		}
		res, err := stream.Recv()
		if err != nil {
			t.Fatalf("no answer to %q: %v", ping, err)
		}
		if got := string(res.GetPayload().GetBody()); got != "pong "+ping {
			t.Fatalf("got %q in answer to %q", got, ping)
		}
		c.req, c.res = append(c.req, req), append(c.res, res)
	}
	if err := stream.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last pong: %v, want the end of the stream", err)
	}
	return c
}

// grpcErrorStatus is what the error cases ask the server for: a message
// that needs grpc-message's percent-encoding.
const grpcErrorStatus = "quota: 100% used, ré-essayez"

// grpcUnaryError is an error without any message: the server answers with
// headers only ("Trailers-Only"), the status among them.
func grpcUnaryError(t *testing.T, ctx context.Context, client testpb.TestServiceClient, _ *grpcOrigin) grpcCall {
	req := &testpb.SimpleRequest{ResponseStatus: &testpb.EchoStatus{Code: int32(codes.ResourceExhausted), Message: grpcErrorStatus}}
	var trailer metadata.MD
	_, err := client.UnaryCall(ctx, req, grpc.Trailer(&trailer))
	checkGRPCError(t, err, trailer, codes.ResourceExhausted)
	return grpcCall{method: "UnaryCall", req: []proto.Message{req}, code: codes.ResourceExhausted, msg: grpcErrorStatus}
}

// grpcStreamError is an error after a message: the status and the custom
// metadata come in real trailers, after the body.
func grpcStreamError(t *testing.T, ctx context.Context, client testpb.TestServiceClient, _ *grpcOrigin) grpcCall {
	req := &testpb.StreamingOutputCallRequest{
		ResponseParameters: []*testpb.ResponseParameters{{Size: 4}},
		ResponseStatus:     &testpb.EchoStatus{Code: int32(codes.NotFound), Message: grpcErrorStatus},
	}
	stream, err := client.StreamingOutputCall(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	first, err := stream.Recv()
	if err != nil {
		t.Fatalf("the message before the error did not arrive: %v", err)
	}
	_, err = stream.Recv()
	checkGRPCError(t, err, stream.Trailer(), codes.NotFound)
	return grpcCall{method: "StreamingOutputCall", req: []proto.Message{req}, res: []proto.Message{first}, code: codes.NotFound, msg: grpcErrorStatus}
}
