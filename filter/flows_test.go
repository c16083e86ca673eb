package filter

import (
	"net/http"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/session"
)

// t0 is the start of every test flow.
var t0 = session.StampOf(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))

// baseFlow returns a complete HTTP exchange: a JSON POST to
// https://api.example.com:8443/v1/users?id=7 answered 200 with JSON, taking
// 250ms. Tests change what they need.
func baseFlow() *session.Flow {
	return &session.Flow{
		ID:     "f1",
		Seq:    1,
		State:  session.Done,
		Source: session.Live,
		Kind:   session.HTTP,
		Client: session.Peer{Addr: "127.0.0.1:51000"},
		Server: session.Peer{Addr: "93.184.216.34:8443", SNI: "api.example.com"},
		Request: &session.Request{
			Method: "POST",
			URL:    "https://api.example.com:8443/v1/users?id=7",
			Proto:  "HTTP/1.1",
			Header: http.Header{
				"Content-Type": {"application/json"},
				"User-Agent":   {"curl/8.5.0"},
			},
			Body: body(`{"name":"ada"}`),
		},
		Response: &session.Response{
			Status: 200,
			Reason: "OK",
			Proto:  "HTTP/1.1",
			Header: http.Header{
				"Content-Type": {"application/json; charset=utf-8"},
				"Server":       {"nginx"},
			},
			Body: body(`{"id":42,"name":"ada"}`),
		},
		Timings: session.Timings{
			RequestReceived: t0,
			Complete:        t0.Add(250 * time.Millisecond),
		},
	}
}

func body(s string) session.Body {
	return session.Body{Data: []byte(s), Size: int64(len(s))}
}

// sampleFlows are flows of every shape, including degenerate ones, for
// tests that must not panic on any of them.
func sampleFlows(t testing.TB) []*session.Flow {
	complete := baseFlow()

	pending := baseFlow()
	pending.State, pending.Response, pending.Timings.Complete = session.Pending, nil, 0

	failed := baseFlow()
	failed.State, failed.Response = session.Failed, nil
	failed.Err = &session.Error{Phase: session.PhaseDial, Msg: "connection refused", Hint: "is the origin up?"}

	gz := baseFlow()
	gz.Response.Header.Set("Content-Encoding", "gzip")
	gz.Response.Header.Set("Content-Type", "text/css")
	gz.Response.Body = session.Body{Data: testutil.Gzip("body { color: red }"), Size: 40}

	ws := baseFlow()
	ws.Kind, ws.Marked, ws.Comment = session.WebSocket, true, "chat\nsocket"
	ws.Response.Status = 101
	ws.Stream = &session.StreamStats{BytesUp: 100, BytesDown: 2000}

	tunnel := &session.Flow{
		Kind:    session.Tunnel,
		Source:  session.Replay,
		Client:  session.Peer{Addr: "[::1]:40000"},
		Server:  session.Peer{Addr: "pinned.example.org:443"},
		Stream:  &session.StreamStats{BytesUp: 5000, BytesDown: 7000},
		Timings: session.Timings{ClientConnect: t0, Complete: t0.Add(3 * time.Second)},
	}

	empty := &session.Flow{}
	badURL := baseFlow()
	badURL.Request.URL = "http://[::1%zz/\x00\xff"
	badURL.Request.Header = nil
	badURL.Response.Header = nil
	grpcWeb := baseFlow()
	grpcWeb.Request.Header.Set("Content-Type", "application/grpc-web-text")
	grpcWeb.Request.Body = body("AAAAAAMIAQ==gAAAAA9ncnBjLXN0YXR1czogMA0K!!")
	grpcWeb.Response.Header.Set("Grpc-Encoding", "gzip")
	grpcWeb.Response.Body = body("\x01\x00\x00\x00\x02\x08\x01\x00\x00\x00\x00\x09\x0a")
	return []*session.Flow{complete, pending, failed, gz, ws, tunnel, empty, badURL, grpcWeb}
}
