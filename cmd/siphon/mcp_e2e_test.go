package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/siphonproxy/siphon/mcp"
	"github.com/siphonproxy/siphon/session"
)

// mcpStdio starts "siphon mcp args..." and connects the go-sdk's client
// to it over stdio.
func mcpStdio(t *testing.T, args ...string) *sdk.ClientSession {
	t.Helper()
	cmd := exec.Command(siphonBin, append([]string{"mcp"}, args...)...)
	cmd.Env = append(cmd.Environ(), "SIPHON_HOME="+t.TempDir())
	dieWithTests(cmd)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := sdk.NewClient(&sdk.Implementation{Name: "siphon-test", Version: "1"}, nil)
	cs, err := c.Connect(ctx, &sdk.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("connect to siphon mcp: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// callTool calls a tool that must succeed and decodes its result.
func callTool[T any](t *testing.T, cs *sdk.ClientSession, name string, args any) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: protocol error %v", name, err)
	}
	if res.IsError {
		t.Fatalf("%s(%v): tool error %s", name, args, toolText(res))
	}
	var out T
	data, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("%s: decode %s: %v", name, data, err)
	}
	return out
}

// toolError calls a tool that must fail with a tool error holding want.
func toolError(t *testing.T, cs *sdk.ClientSession, name string, args any, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s(%v): protocol error %v, want a tool error", name, args, err)
	}
	if got := toolText(res); !res.IsError || !strings.Contains(got, want) {
		t.Fatalf("%s(%v): error %v %q, want a tool error holding %q", name, args, res.IsError, got, want)
	}
}

func toolText(res *sdk.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// mcpSession writes a session of n small flows and one login flow with
// secrets and a 200,000-byte binary response; it returns the file.
func mcpSession(t *testing.T, n int) (path string, big []byte) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "agents.db")
	st, err := session.Open(path, session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := session.StampOf(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
	for i := range n {
		body := fmt.Sprintf(`{"n":%d}`, i)
		st.Add(&session.Flow{State: session.Done,
			Request: &session.Request{Method: "GET", URL: fmt.Sprintf("http://api.test/items/%d", i), Proto: "HTTP/1.1", Header: http.Header{}},
			Response: &session.Response{Status: 200 + i%2*304, Reason: "X", Proto: "HTTP/1.1",
				Header: http.Header{"Content-Type": {"application/json"}}, Body: session.Body{Data: []byte(body), Size: int64(len(body))}},
			Timings: session.Timings{RequestReceived: start, Complete: start.Add(time.Millisecond)}})
	}
	big = make([]byte, 200_000)
	for i := range big {
		big[i] = byte(i * 7 % 251)
	}
	login := `{"user":"ann","password":"hunter2"}`
	st.Add(&session.Flow{State: session.Done,
		Request: &session.Request{Method: "POST", URL: "http://api.test/login", Proto: "HTTP/1.1",
			Header: http.Header{"Authorization": {"Bearer s3cr3t"}, "Content-Type": {"application/json"}},
			Body:   session.Body{Data: []byte(login), Size: int64(len(login))}},
		Response: &session.Response{Status: 200, Reason: "OK", Proto: "HTTP/1.1",
			Header: http.Header{"Content-Type": {"application/octet-stream"}, "Set-Cookie": {"sid=cookie-value; Path=/"}},
			Body:   session.Body{Data: big, Size: int64(len(big))}}})
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return path, big
}

func TestMCPStdioTools(t *testing.T) {
	path, big := mcpSession(t, 1000)
	checkReadTools(t, mcpStdio(t, "--session", path), path, big)

	// --mcp-no-redact shows what was captured.
	open := mcpStdio(t, "--session", path, "--mcp-no-redact")
	id := callTool[mcp.ListOut](t, open, "list_flows", map[string]any{"filter": "~m POST"}).Flows[0].ID
	f := callTool[mcp.FlowOut](t, open, "get_flow", map[string]any{"id": id})
	if f.Request.Headers[0].Value != "Bearer s3cr3t" || !strings.Contains(f.Request.Body.Preview, "hunter2") ||
		f.Response.Headers[1].Value != "sid=cookie-value; Path=/" {
		t.Errorf("unredacted flow %+v %+v", f.Request, f.Response.Headers)
	}
}

// TestMCPLiveTools runs the read-only tools over streamable HTTP, against a
// siphon dump --mcp that continues the same session.
func TestMCPLiveTools(t *testing.T) {
	path, big := mcpSession(t, 1000)
	l := startLiveMCP(t, "--session", path)
	cs, err := l.connect(t, l.token, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkReadTools(t, cs, path, big)
}

// checkReadTools calls every read-only tool with good and bad arguments
// over cs, which serves the session mcpSession wrote at path.
func checkReadTools(t *testing.T, cs *sdk.ClientSession, path string, big []byte) {
	t.Helper()

	// Paging through 1,000 flows (and the login one).
	seen := map[string]bool{}
	offset := 0
	for range 5 {
		page := callTool[mcp.ListOut](t, cs, "list_flows", map[string]any{"offset": offset, "limit": 500})
		if page.Total != 1001 {
			t.Fatalf("total %d, want 1001", page.Total)
		}
		for _, r := range page.Flows {
			seen[r.ID] = true
		}
		if page.NextOffset == 0 {
			break
		}
		offset = page.NextOffset
	}
	if len(seen) != 1001 {
		t.Fatalf("paging saw %d flows, want 1001", len(seen))
	}
	login := callTool[mcp.ListOut](t, cs, "list_flows", map[string]any{"filter": "~m POST"})
	if login.Total != 1 {
		t.Fatalf("~m POST: %+v", login)
	}
	id := login.Flows[0].ID
	other := callTool[mcp.ListOut](t, cs, "list_flows", map[string]any{"limit": 1}).Flows[0].ID

	// Every tool once with good arguments.
	f := callTool[mcp.FlowOut](t, cs, "get_flow", map[string]any{"id": id})
	if h := f.Request.Headers; len(h) != 2 || h[0].Value != "Bearer [redacted …6 chars]" {
		t.Errorf("redacted request headers %+v", h)
	}
	if f.Request.Body.Preview != `{"user":"ann","password":"[redacted …7 chars]"}` {
		t.Errorf("redacted request body %q", f.Request.Body.Preview)
	}
	var whole []byte
	for off := 0; ; {
		b := callTool[mcp.BodyOut](t, cs, "get_body", map[string]any{"id": id, "side": "response", "offset": off})
		chunk := []byte(b.Data)
		if b.Encoding == "base64" {
			chunk, _ = base64.StdEncoding.DecodeString(b.Data)
		}
		if len(chunk) > 64<<10 || len(whole) > len(big) {
			t.Fatalf("chunk of %d bytes at %d", len(chunk), off)
		}
		whole = append(whole, chunk...)
		if b.NextOffset == 0 {
			break
		}
		off = b.NextOffset
	}
	if !bytes.Equal(whole, big) {
		t.Fatalf("body reassembled from chunks: %d bytes, differs from the %d captured", len(whole), len(big))
	}
	if s := callTool[mcp.SearchOut](t, cs, "search_flows", map[string]any{"pattern": "items/99\\b", "in": "both"}); s.Searched != 1001 || len(s.Matches) != 0 {
		// URLs are not searched: headers and bodies only.
		t.Errorf("search found %+v", s)
	}
	if s := callTool[mcp.SearchOut](t, cs, "search_flows", map[string]any{"pattern": `"n":999\b`}); len(s.Matches) != 1 {
		t.Errorf("body search: %+v", s)
	}
	if d := callTool[mcp.DiffOut](t, cs, "diff_flows", map[string]any{"a": other, "b": id}); !strings.Contains(d.Diff, "+POST http://api.test/login") {
		t.Errorf("diff:\n%s", d.Diff)
	}
	if e := callTool[mcp.ExportOut](t, cs, "export_flow", map[string]any{"id": id, "format": "curl"}); !strings.Contains(e.Text, "api.test/login") || strings.Contains(e.Text, "hunter2") {
		t.Errorf("curl export %s", e.Text)
	}
	if info := callTool[mcp.InfoOut](t, cs, "session_info", nil); info.Flows != 1001 || info.File != path || info.StatusClasses["5xx"] != 500 {
		t.Errorf("session_info %+v", info)
	}
	res, err := cs.ReadResource(context.Background(), &sdk.ReadResourceParams{URI: mcp.FlowURI(id)})
	if err != nil || len(res.Contents) != 1 || !strings.Contains(res.Contents[0].Text, `"method":"POST"`) || strings.Contains(res.Contents[0].Text, "hunter2") {
		t.Errorf("resource %s: %v %+v", mcp.FlowURI(id), err, res)
	}

	// And with bad ones: tool errors that say what to do.
	for _, c := range []struct {
		tool string
		args map[string]any
		want string
	}{
		{"list_flows", map[string]any{"filter": "~m GET & ("}, "byte offset"},
		{"list_flows", map[string]any{"limit": 1000}, "limit"},
		{"get_flow", map[string]any{"id": "feedface"}, `unknown flow id "feedface"`},
		{"get_body", map[string]any{"id": id, "side": "both"}, "side"},
		{"get_body", map[string]any{"id": id, "side": "response", "length": 1 << 20}, "length"},
		{"search_flows", map[string]any{"pattern": "[unclosed"}, "bad pattern"},
		{"diff_flows", map[string]any{"a": id, "b": "feedface"}, "b: unknown flow id"},
		{"export_flow", map[string]any{"id": id, "format": "postman"}, "format"},
		{"session_info", map[string]any{"extra": 1}, "extra"},
	} {
		toolError(t, cs, c.tool, c.args, c.want)
	}
	if _, err := cs.ReadResource(context.Background(), &sdk.ReadResourceParams{URI: mcp.FlowURI("feedface")}); err == nil {
		t.Error("resource of an unknown flow read without an error")
	}
}

func TestMCPStdioHARAndNoSession(t *testing.T) {
	path, _ := mcpSession(t, 3)
	har := filepath.Join(t.TempDir(), "s.har")
	if _, stderr, code := runSiphon(t, "export", "--format", "har", "-o", har, path); code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	cs := mcpStdio(t, "--session", har)
	if page := callTool[mcp.ListOut](t, cs, "list_flows", nil); page.Total != 4 || page.Flows[3].Method != "POST" {
		t.Fatalf("HAR file: %+v", page)
	}
	_, stderr, code := runSiphon(t, "mcp", "--home", t.TempDir())
	if code != 2 || !strings.Contains(stderr, "no session in") {
		t.Errorf("siphon mcp without sessions: exit %d, %q", code, stderr)
	}
}

// TestMCPStdioSeesFlowsOfRunningDump is acceptance 3: siphon mcp reading
// the session a running siphon dump writes sees flows committed after it
// started.
func TestMCPStdioSeesFlowsOfRunningDump(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.URL.Path)
	}))
	defer origin.Close()
	home := t.TempDir()
	c := startDump(t, home)
	get := func(path string) {
		t.Helper()
		proxyURL, _ := url.Parse("http://" + c.addr)
		client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}, Timeout: 20 * time.Second}
		resp, err := client.Get(origin.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	get("/first")
	// With no --session, siphon mcp serves the newest session in the home:
	// the one dump writes.
	cmd := exec.Command(siphonBin, "mcp", "--home", home)
	dieWithTests(cmd)
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "t", Version: "1"}, nil).Connect(context.Background(), &sdk.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	waitForFlows(t, cs, 1)
	get("/second")
	get("/third")
	rows := waitForFlows(t, cs, 3)
	if !strings.HasSuffix(rows[2].URL, "/third") || rows[2].Status != 200 {
		t.Fatalf("rows %+v", rows)
	}
}

// waitForFlows asks list_flows until it shows n finished flows; the dump
// commits within 100 ms of each flow, so it is bounded by 20 s.
func waitForFlows(t *testing.T, cs *sdk.ClientSession, n int) []mcp.Row {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		page := callTool[mcp.ListOut](t, cs, "list_flows", map[string]any{"filter": "~s"})
		if page.Total >= n {
			return page.Flows
		}
		if time.Now().After(deadline) {
			t.Fatalf("siphon mcp shows %d finished flows after 20 s, want %d", page.Total, n)
		}
		<-tick.C
	}
}
