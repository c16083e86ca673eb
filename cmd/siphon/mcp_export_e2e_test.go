package main

import (
	"encoding/base64"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/mcp"
	"github.com/siphonproxy/siphon/session"
)

// mcpExportSession writes a session with a JSON POST, a binary upload and a
// WebSocket with messages, for comparing export formats.
func mcpExportSession(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "export.db")
	st, err := session.Open(path, session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := session.StampOf(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
	body := func(s string) session.Body { return session.Body{Data: []byte(s), Size: int64(len(s))} }
	st.Add(&session.Flow{State: session.Done,
		Request: &session.Request{Method: "POST", URL: "http://api.test/login?x=1", Proto: "HTTP/1.1",
			Header: http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer s3cr3t"}}, Body: body(`{"user":"ann","password":"hunter2"}`)},
		Response: &session.Response{Status: 201, Reason: "Created", Proto: "HTTP/1.1",
			Header: http.Header{"Content-Type": {"application/json"}}, Body: body(`{"ok":true}`)},
		Timings: session.Timings{RequestReceived: start, Complete: start.Add(3 * time.Millisecond)}})
	st.Add(&session.Flow{State: session.Done,
		Request: &session.Request{Method: "PUT", URL: "https://files.test/blob", Proto: "HTTP/2.0",
			Header: http.Header{"Content-Type": {"application/octet-stream"}}, Body: body("\x00\x01\xffbinary'\"$`")},
		Response: &session.Response{Status: 204, Reason: "No Content", Proto: "HTTP/2.0", Header: http.Header{}},
		Timings:  session.Timings{RequestReceived: start.Add(time.Second), Complete: start.Add(time.Second + time.Millisecond)}})
	ws := &session.Flow{State: session.Done, Kind: session.WebSocket,
		Request: &session.Request{Method: "GET", URL: "http://chat.test/ws", Proto: "HTTP/1.1",
			Header: http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}, "Sec-Websocket-Version": {"13"}, "Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}}},
		Response: &session.Response{Status: 101, Reason: "Switching Protocols", Proto: "HTTP/1.1",
			Header: http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}}},
		Timings: session.Timings{RequestReceived: start.Add(2 * time.Second), FirstByte: start.Add(2 * time.Second)}}
	st.Add(ws)
	for i, m := range []session.Message{
		{Dir: session.Up, Opcode: session.OpText, Data: []byte(`{"hello":1}`), Time: start.Add(2*time.Second + time.Millisecond)},
		{Dir: session.Down, Opcode: session.OpText, Data: []byte(`{"hello":1}`), Time: start.Add(2*time.Second + 2*time.Millisecond)},
	} {
		m.Size = int64(len(m.Data))
		if err := st.AddMessage(ws.ID, m); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestMCPExportMatchesSiphonExport: export_flow's text is what siphon
// export writes of the same flow, for every format the tool takes.
func TestMCPExportMatchesSiphonExport(t *testing.T) {
	path := mcpExportSession(t)
	cs := mcpStdio(t, "--session", path, "--mcp-no-redact")
	for _, c := range []struct {
		filter  string
		formats []string
	}{
		{"~m POST", []string{"curl", "httpie", "raw", "har"}},
		{"~m PUT", []string{"curl", "httpie", "raw", "har"}},
		{"~websocket", []string{"har"}},
	} {
		rows := callTool[mcp.ListOut](t, cs, "list_flows", map[string]any{"filter": c.filter}).Flows
		if len(rows) != 1 {
			t.Fatalf("%s: %d flows", c.filter, len(rows))
		}
		for _, format := range c.formats {
			want, stderr, code := runSiphon(t, "export", "--format", format, "--filter", c.filter, path)
			if code != 0 {
				t.Fatalf("siphon export --format %s --filter %q: exit %d: %s", format, c.filter, code, stderr)
			}
			got := callTool[mcp.ExportOut](t, cs, "export_flow", map[string]any{"id": rows[0].ID, "format": format})
			if got.Encoding == "base64" {
				b, err := base64.StdEncoding.DecodeString(got.Text)
				if err != nil {
					t.Fatalf("%s as %s: %v", c.filter, format, err)
				}
				got.Text = string(b)
			}
			if got.Text != want {
				t.Errorf("%s as %s:\nexport_flow:\n%s\nsiphon export:\n%s", c.filter, format, got.Text, want)
			}
		}
	}
	raw := callTool[mcp.ExportOut](t, cs, "export_flow", map[string]any{"id": callTool[mcp.ListOut](t, cs, "list_flows", map[string]any{"filter": "~m PUT"}).Flows[0].ID, "format": "raw"})
	if raw.Encoding != "base64" {
		t.Errorf("a raw export of a binary body comes as %q", raw.Encoding)
	}
	// Redacted, the same text with the secrets hidden.
	red := mcpStdio(t, "--session", path)
	id := callTool[mcp.ListOut](t, red, "list_flows", map[string]any{"filter": "~m POST"}).Flows[0].ID
	got := callTool[mcp.ExportOut](t, red, "export_flow", map[string]any{"id": id, "format": "curl"})
	if !strings.HasPrefix(got.Text, "# #1 POST http://api.test/login?x=1\n") || strings.Contains(got.Text, "hunter2") || strings.Contains(got.Text, "s3cr3t") {
		t.Errorf("redacted curl export:\n%s", got.Text)
	}
}
