package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/session"
)

// TestHARTrailersAreValidHAR checks that a flow's trailers, exported under
// the custom "_trailers" of request and response, keep the file valid
// HAR 1.2.
func TestHARTrailersAreValidHAR(t *testing.T) {
	start := session.StampOf(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	f := &session.Flow{ID: "grpc", State: session.Done,
		Request: &session.Request{Method: "POST", URL: "https://g.test/pkg.Svc/Call", Proto: "HTTP/2.0",
			Header: http.Header{"Content-Type": {"application/grpc"}}, Trailer: http.Header{"X-Checksum": {"1"}}},
		Response: &session.Response{Status: 200, Reason: "OK", Proto: "HTTP/2.0",
			Header:  http.Header{"Content-Type": {"application/grpc"}},
			Trailer: http.Header{"Grpc-Status": {"5"}, "Grpc-Message": {"not found"}}},
		Timings: session.Timings{RequestReceived: start, Complete: start.Add(time.Millisecond)},
	}
	var buf bytes.Buffer
	if err := session.WriteHAR(&buf, session.HARCreator{Name: "siphon", Version: "test"}, f); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"_trailers"`) {
		t.Fatalf("no _trailers in the export:\n%s", buf.Bytes())
	}
	if err := checkHAR(harSchema(t), buf.Bytes()); err != nil {
		t.Errorf("a HAR with trailers is not valid HAR 1.2: %v\n%s", err, buf.Bytes())
	}
}
