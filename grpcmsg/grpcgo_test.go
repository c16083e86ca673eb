package grpcmsg_test

import (
	"context"
	"strings"
	"testing"

	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/protobuf/proto"

	"github.com/siphonproxy/siphon/grpcmsg"
	"github.com/siphonproxy/siphon/internal/testutil"
)

// The calls of a real grpc-go client and server, recorded as siphon
// records them, decode to the messages the client and server sent, with
// the method and status.
func TestGRPCGoUnaryGzip(t *testing.T) {
	client, flows := grpcOrigin(t)
	req := &testpb.SimpleRequest{
		ResponseSize: 7,
		Payload:      &testpb.Payload{Body: []byte("hello, siphon")},
		FillUsername: true,
	}
	resp, err := client.UnaryCall(context.Background(), req, gzipCall)
	if err != nil {
		t.Fatal(err)
	}
	f := testutil.Receive(t, flows, "recorded call")

	if !grpcmsg.IsGRPC(f) || grpcmsg.FlowFraming(f) != grpcmsg.GRPC {
		t.Fatalf("framing %v, want grpc (content-type %q)", grpcmsg.FlowFraming(f), f.Request.Header.Get("Content-Type"))
	}
	if svc, m, ok := grpcmsg.FlowMethod(f); !ok || svc != "grpc.testing.TestService" || m != "UnaryCall" {
		t.Errorf("FlowMethod = %q %q %v", svc, m, ok)
	}
	if st, ok := grpcmsg.StatusOf(f); !ok || st.Code != grpcmsg.OK || st.String() != "OK" {
		t.Errorf("StatusOf = %v %v, want OK", st, ok)
	}

	rb := grpcmsg.SplitRequest(f)
	if len(rb.Messages) != 1 || !rb.Messages[0].Compressed || rb.Encoding != "gzip" || rb.Cut != nil || rb.Err != nil {
		t.Fatalf("request split: %+v", rb)
	}
	var gotReq testpb.SimpleRequest
	if err := proto.Unmarshal(rb.Messages[0].Data, &gotReq); err != nil || !proto.Equal(&gotReq, req) {
		t.Errorf("request message %v (%v), want %v", &gotReq, err, req)
	}
	sb := grpcmsg.SplitResponse(f)
	if len(sb.Messages) != 1 || !sb.Messages[0].Compressed {
		t.Fatalf("response split: %+v", sb)
	}
	var gotResp testpb.SimpleResponse
	if err := proto.Unmarshal(sb.Messages[0].Data, &gotResp); err != nil || !proto.Equal(&gotResp, resp) {
		t.Errorf("response message %v (%v), want %v", &gotResp, err, resp)
	}

	// Without a schema: field numbers. SimpleRequest has response_size = 2,
	// payload = 3 (whose body = 2), fill_username = 4.
	call := grpcmsg.Decode(f, nil)
	wantText := "2: 7\n3 {\n  2: \"hello, siphon\"\n}\n4: 1\n"
	if got := call.Request.Decoded[0].Text; got != wantText {
		t.Errorf("request text:\n%s\nwant:\n%s", got, wantText)
	}
	if !strings.Contains(call.Response.Decoded[0].Text, `"ada@example.com"`) {
		t.Errorf("response text lacks the username:\n%s", call.Response.Decoded[0].Text)
	}

	// With the descriptor set: field names.
	types, err := grpcmsg.LoadTypes(descriptorSet(t))
	if err != nil {
		t.Fatal(err)
	}
	call = grpcmsg.Decode(f, types)
	if call.Request.Type == nil || call.Request.Type.FullName() != "grpc.testing.SimpleRequest" {
		t.Fatalf("request type %v", call.Request.Type)
	}
	js := call.Request.Decoded[0].JSON
	for _, want := range []string{`"response_size": 7`, `"body": "aGVsbG8sIHNpcGhvbg=="`, `"fill_username": true`} {
		if !strings.Contains(js, want) {
			t.Errorf("request JSON lacks %s:\n%s", want, js)
		}
	}
	if js := call.Response.Decoded[0].JSON; !strings.Contains(js, `"username": "ada@example.com"`) {
		t.Errorf("response JSON:\n%s", js)
	}
	if out := call.Request.Format(); !strings.Contains(out, "# message 1: ") || !strings.Contains(out, "(gzip, ") ||
		!strings.Contains(out, "grpc.testing.SimpleRequest") || !strings.Contains(out, `"fill_username": true`) {
		t.Errorf("Format:\n%s", out)
	}
}

// An error status, with a message that needs percent-encoding, arrives in
// the trailers and reads back as sent.
func TestGRPCGoErrorStatus(t *testing.T) {
	client, flows := grpcOrigin(t)
	msg := "no user 100% named \"zoë\"\nsecond line"
	_, err := client.UnaryCall(context.Background(), &testpb.SimpleRequest{
		ResponseStatus: &testpb.EchoStatus{Code: 5, Message: msg},
	})
	if err == nil {
		t.Fatal("the call succeeded")
	}
	f := testutil.Receive(t, flows, "recorded call")
	if f.Response.Trailer.Get("Grpc-Message") == msg {
		t.Fatalf("grpc-message %q was not percent-encoded on the wire: the test proves nothing", msg)
	}
	st, ok := grpcmsg.StatusOf(f)
	if !ok || st.Code != grpcmsg.NotFound || st.Message != msg {
		t.Fatalf("StatusOf = %+v %v, want NOT_FOUND %q", st, ok, msg)
	}
	if got := st.String(); !strings.HasPrefix(got, "NOT_FOUND: no user 100%") {
		t.Errorf("String = %q", got)
	}
	if b := grpcmsg.SplitResponse(f); len(b.Messages) != 0 || b.Cut != nil {
		t.Errorf("error response split: %+v", b)
	}
}

// A server stream's messages are split one by one.
func TestGRPCGoServerStream(t *testing.T) {
	client, flows := grpcOrigin(t)
	stream, err := client.StreamingOutputCall(context.Background(), &testpb.StreamingOutputCallRequest{
		ResponseParameters: []*testpb.ResponseParameters{{Size: 3}, {Size: 0}, {Size: 5}},
	}, gzipCall)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := stream.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := stream.Recv(); err == nil {
		t.Fatal("a fourth message")
	}
	f := testutil.Receive(t, flows, "recorded call")
	b := grpcmsg.SplitResponse(f)
	if len(b.Messages) != 3 {
		t.Fatalf("%d messages, want 3: %+v", len(b.Messages), b)
	}
	for i, size := range []int{3, 0, 5} {
		var m testpb.StreamingOutputCallResponse
		if err := proto.Unmarshal(b.Messages[i].Data, &m); err != nil || len(m.GetPayload().GetBody()) != size {
			t.Errorf("message %d: %v (%v), want a body of %d bytes", i, &m, err, size)
		}
	}
	if svc, m, _ := grpcmsg.FlowMethod(f); svc+"/"+m != "grpc.testing.TestService/StreamingOutputCall" {
		t.Errorf("method %s/%s", svc, m)
	}
}
