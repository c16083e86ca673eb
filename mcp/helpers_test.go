package mcp

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/siphonproxy/siphon/session"
)

// testFlow is a finished GET of /items/i with a JSON answer.
func testFlow(i int) *session.Flow {
	start := session.StampOf(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(i) * time.Millisecond))
	body := fmt.Sprintf(`{"item":%d,"name":"thing %d"}`, i, i)
	return &session.Flow{
		State: session.Done,
		Request: &session.Request{Method: "GET", URL: fmt.Sprintf("https://api.example.com/items/%d", i), Proto: "HTTP/1.1",
			Header: http.Header{"Accept": {"application/json"}}},
		Response: &session.Response{Status: 200, Reason: "OK", Proto: "HTTP/1.1",
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   session.Body{Data: []byte(body), Size: int64(len(body))}},
		Timings: session.Timings{RequestReceived: start, RequestSent: start.Add(time.Millisecond),
			FirstByte: start.Add(5 * time.Millisecond), Complete: start.Add(7 * time.Millisecond)},
	}
}

// writeSession writes flows into a new session file and returns its path
// and the flows (with their ids set).
func writeSession(t testing.TB, flows ...*session.Flow) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.db")
	st, err := session.Open(path, session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range flows {
		st.Add(f)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// connect serves cfg to an in-memory client.
func connect(t testing.TB, cfg Config) *sdk.ClientSession {
	t.Helper()
	ctx := context.Background()
	s := New(cfg)
	st, ct := sdk.NewInMemoryTransports()
	ss, err := s.SDK().Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	c := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, nil)
	cs, err := c.Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// serveFile serves the session file at path.
func serveFile(t testing.TB, path string, noRedact bool) *sdk.ClientSession {
	t.Helper()
	src, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	src.factor = 0 // every change is seen at once, however long opening took
	t.Cleanup(func() { src.Close() })
	return connect(t, Config{Source: src, NoRedact: noRedact, Version: "test"})
}

// call calls a tool that must succeed and decodes its structured result.
func call[T any](t testing.TB, cs *sdk.ClientSession, name string, args any) T {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s(%v): protocol error %v", name, args, err)
	}
	if res.IsError {
		t.Fatalf("%s(%v): tool error %s", name, args, text(res))
	}
	var out T
	data, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("%s: decode %s: %v", name, data, err)
	}
	return out
}

// callErr calls a tool that must fail with a tool error containing want.
func callErr(t testing.TB, cs *sdk.ClientSession, name string, args any, want string) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s(%v): protocol error %v, want a tool error", name, args, err)
	}
	if !res.IsError {
		t.Fatalf("%s(%v) succeeded, want a tool error containing %q", name, args, want)
	}
	if got := text(res); !strings.Contains(got, want) {
		t.Fatalf("%s(%v) error %q, want it to contain %q", name, args, got, want)
	}
}

func text(res *sdk.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

func newGzip(w *bytes.Buffer) *gzip.Writer { return gzip.NewWriter(w) }
