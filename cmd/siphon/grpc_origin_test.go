package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// grpcOrigin is a gRPC server of grpc.testing.TestService over TLS on
// 127.0.0.1, for the end-to-end tests: it echoes what it gets, and
// answers a request that carries a response_status with that status and
// the custom trailer metadata in grpcErrorTrailer.
type grpcOrigin struct {
	testpb.UnimplementedTestServiceServer
	addr string
	// StreamingOutputCall sends its first message, then waits for this
	// channel to close before it sends the others: a client that gets the
	// first message before the stream ends closes it.
	release chan struct{}
}

// grpcErrorTrailer is the custom trailer metadata sent with every error
// status: one text and one binary entry (sent base64-encoded).
func grpcErrorTrailer() metadata.MD {
	return metadata.Pairs("x-reason", "quota exceeded", "x-detail-bin", "\x00\x01\xfe\xff")
}

// startGRPCOrigin starts a grpcOrigin with cert and stops it when the test
// ends.
func startGRPCOrigin(t *testing.T, cert tls.Certificate) *grpcOrigin {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := &grpcOrigin{addr: lis.Addr().String(), release: make(chan struct{})}
	srv := grpc.NewServer(grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{cert}})))
	testpb.RegisterTestServiceServer(srv, o)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	return o
}

// echoStatus returns the error status a request asks for, and sets the
// custom trailer metadata when it does; nil when it asks for none.
func echoStatus(ctx context.Context, s *testpb.EchoStatus) error {
	if s.GetCode() == 0 {
		return nil
	}
	if err := grpc.SetTrailer(ctx, grpcErrorTrailer()); err != nil {
		return err
	}
	return status.Error(codes.Code(s.GetCode()), s.GetMessage())
}

func (o *grpcOrigin) UnaryCall(ctx context.Context, req *testpb.SimpleRequest) (*testpb.SimpleResponse, error) {
	if err := echoStatus(ctx, req.GetResponseStatus()); err != nil {
		return nil, err
	}
	return &testpb.SimpleResponse{Payload: pongPayload(req.GetPayload()), Username: "unary"}, nil
}

func (o *grpcOrigin) StreamingOutputCall(req *testpb.StreamingOutputCallRequest, stream grpc.ServerStreamingServer[testpb.StreamingOutputCallResponse]) error {
	for i, p := range req.GetResponseParameters() {
		body := bytes.Repeat([]byte{byte('a' + i)}, int(p.GetSize()))
		if err := stream.Send(&testpb.StreamingOutputCallResponse{Payload: &testpb.Payload{Body: body}}); err != nil {
			return err
		}
		if i == 0 {
			select {
			case <-o.release:
			case <-stream.Context().Done():
				return stream.Context().Err()
			}
		}
	}
	return echoStatus(stream.Context(), req.GetResponseStatus())
}

func (o *grpcOrigin) StreamingInputCall(stream grpc.ClientStreamingServer[testpb.StreamingInputCallRequest, testpb.StreamingInputCallResponse]) error {
	var total int32
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return stream.SendAndClose(&testpb.StreamingInputCallResponse{AggregatedPayloadSize: total})
		}
		if err != nil {
			return err
		}
		total += int32(len(req.GetPayload().GetBody()))
	}
}

func (o *grpcOrigin) FullDuplexCall(stream grpc.BidiStreamingServer[testpb.StreamingOutputCallRequest, testpb.StreamingOutputCallResponse]) error {
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := stream.Send(&testpb.StreamingOutputCallResponse{Payload: pongPayload(req.GetPayload())}); err != nil {
			return err
		}
	}
}

// pongPayload is the server's answer to a payload: "pong " and its body.
func pongPayload(p *testpb.Payload) *testpb.Payload {
	return &testpb.Payload{Body: append([]byte("pong "), p.GetBody()...)}
}
