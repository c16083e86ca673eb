package grpcmsg_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/encoding/gzip"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"

	"github.com/siphonproxy/siphon/internal/testutil/grpctest"
	"github.com/siphonproxy/siphon/session"
)

// testService is a grpc_testing TestService: UnaryCall echoes its payload
// or fails with the status asked for; StreamingOutputCall sends one
// response per parameter.
type testService struct {
	testpb.UnimplementedTestServiceServer
}

func (testService) UnaryCall(_ context.Context, req *testpb.SimpleRequest) (*testpb.SimpleResponse, error) {
	if st := req.GetResponseStatus(); st != nil {
		return nil, status.Error(codes.Code(st.GetCode()), st.GetMessage())
	}
	return &testpb.SimpleResponse{Payload: req.GetPayload(), Username: "ada@example.com"}, nil
}

func (testService) StreamingOutputCall(req *testpb.StreamingOutputCallRequest, stream grpc.ServerStreamingServer[testpb.StreamingOutputCallResponse]) error {
	for _, p := range req.GetResponseParameters() {
		body := bytes.Repeat([]byte{'x'}, int(p.GetSize()))
		if err := stream.Send(&testpb.StreamingOutputCallResponse{Payload: &testpb.Payload{Body: body}}); err != nil {
			return err
		}
	}
	return nil
}

// recordingWriter keeps a copy of the response body while grpc-go writes
// it, keeping the Flusher gRPC needs.
type recordingWriter struct {
	http.ResponseWriter
	body   bytes.Buffer
	status int
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body.Write(p)
	return w.ResponseWriter.Write(p)
}

func (w *recordingWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Flush() { w.ResponseWriter.(http.Flusher).Flush() }

// grpcOrigin starts a real grpc-go server over HTTP/2 and TLS behind a
// handler that records each call as a session.Flow, sent on the returned
// channel once the call is over; and a client connected to it.
func grpcOrigin(t *testing.T) (testpb.TestServiceClient, <-chan *session.Flow) {
	t.Helper()
	gs := grpc.NewServer()
	testpb.RegisterTestServiceServer(gs, testService{})
	flows := make(chan *session.Flow, 16)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqHeader := r.Header.Clone()
		var reqBody bytes.Buffer
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.TeeReader(r.Body, &reqBody), r.Body}
		rw := &recordingWriter{ResponseWriter: w}
		gs.ServeHTTP(rw, r)
		// What grpc-go set after the headers went out are its trailers.
		trailer := http.Header{}
		for _, name := range w.Header().Values("Trailer") {
			for _, n := range strings.Split(name, ",") {
				n = http.CanonicalHeaderKey(strings.TrimSpace(n))
				if v := w.Header().Values(n); len(v) > 0 {
					trailer[n] = v
				}
			}
		}
		for k, v := range w.Header() {
			if strings.HasPrefix(k, http.TrailerPrefix) {
				trailer[http.CanonicalHeaderKey(strings.TrimPrefix(k, http.TrailerPrefix))] = v
			}
		}
		respHeader := w.Header().Clone()
		for k := range trailer {
			respHeader.Del(k)
		}
		flows <- &session.Flow{
			Kind: session.HTTP,
			Request: &session.Request{Method: r.Method, URL: "https://" + r.Host + r.URL.Path, Proto: r.Proto,
				Header: reqHeader, Body: session.Body{Data: reqBody.Bytes(), Size: int64(reqBody.Len())}},
			Response: &session.Response{Status: rw.status, Proto: "HTTP/2.0", Header: respHeader, Trailer: trailer,
				Body: session.Body{Data: rw.body.Bytes(), Size: int64(rw.body.Len())}},
		}
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	t.Cleanup(gs.Stop)

	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	cc, err := grpc.NewClient("passthrough:///"+srv.Listener.Addr().String(),
		grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: pool, ServerName: "example.com"})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return testpb.NewTestServiceClient(cc), flows
}

// descriptorSet writes the FileDescriptorSet of grpc_testing's test.proto
// and its imports to a file, as protoc --include_imports would.
func descriptorSet(t *testing.T) string {
	t.Helper()
	return grpctest.WriteDescriptorSet(t, false)
}

// gzipCall is the call option that makes grpc-go compress its messages
// (and the server answer in kind).
var gzipCall = grpc.UseCompressor(gzip.Name)
