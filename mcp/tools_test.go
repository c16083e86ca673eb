package mcp

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

func TestListFlowsPagesThroughAThousandFlows(t *testing.T) {
	flows := make([]*session.Flow, 1000)
	for i := range flows {
		flows[i] = testFlow(i)
	}
	flows[500].Response.Status = 503
	cs := serveFile(t, writeSession(t, flows...), false)

	seen := map[string]bool{}
	offset, pages := 0, 0
	for pages = 0; pages < 10; pages++ {
		out := call[ListOut](t, cs, "list_flows", map[string]any{"offset": offset, "limit": 500})
		if out.Total != 1000 {
			t.Fatalf("total %d, want 1000", out.Total)
		}
		for i, r := range out.Flows {
			if r.Seq != int64(offset+i+1) || seen[r.ID] {
				t.Fatalf("row %d: seq %d id %s (seen %v)", offset+i, r.Seq, r.ID, seen[r.ID])
			}
			seen[r.ID] = true
		}
		if out.NextOffset == 0 {
			break
		}
		offset = out.NextOffset
	}
	if len(seen) != 1000 || pages != 1 {
		t.Fatalf("saw %d flows in %d pages, want 1000 in 2", len(seen), pages+1)
	}
	def := call[ListOut](t, cs, "list_flows", map[string]any{})
	if len(def.Flows) != 50 || def.NextOffset != 50 {
		t.Fatalf("default page: %d rows, next %d; want 50, 50", len(def.Flows), def.NextOffset)
	}
	failed := call[ListOut](t, cs, "list_flows", map[string]any{"filter": "~c >=500"})
	if failed.Total != 1 || failed.Flows[0].Status != 503 || failed.Flows[0].Seq != 501 {
		t.Fatalf("filtered: %+v", failed)
	}
	r := def.Flows[0]
	if r.Method != "GET" || r.URL != "https://api.example.com/items/0" || r.ContentType != "application/json" ||
		r.DurationMS != 7 || r.Protocol != "HTTP/1.1" || r.State != "done" || r.Time != "2026-01-02T03:04:05Z" {
		t.Fatalf("row %+v", r)
	}
}

func TestToolsRefuseBadArguments(t *testing.T) {
	cs := serveFile(t, writeSession(t, testFlow(1), testFlow(2)), false)
	for _, c := range []struct {
		tool string
		args map[string]any
		want string
	}{
		{"list_flows", map[string]any{"filter": "~c >=400 & (~m GET"}, "byte offset 11"},
		{"list_flows", map[string]any{"filter": "~nope x"}, "bad filter"},
		{"list_flows", map[string]any{"limit": 501}, "limit"},
		{"list_flows", map[string]any{"offset": -1}, "offset"},
		{"list_flows", map[string]any{"limit": "ten"}, "limit"},
		{"get_flow", map[string]any{"id": "nosuch"}, `unknown flow id "nosuch"`},
		{"get_flow", map[string]any{}, "id"},
		{"get_body", map[string]any{"id": "nosuch", "side": "response"}, "unknown flow id"},
		{"get_body", map[string]any{"id": "x", "side": "middle"}, "side"},
		{"get_body", map[string]any{"id": "x", "side": "request", "length": 65537}, "length"},
		{"search_flows", map[string]any{"pattern": "("}, "bad pattern"},
		{"search_flows", map[string]any{"pattern": "x", "in": "urls"}, "in"},
		{"search_flows", map[string]any{"pattern": "x", "filter": "~d ("}, "bad filter"},
		{"diff_flows", map[string]any{"a": "nosuch", "b": "other"}, "a: unknown flow id"},
		{"export_flow", map[string]any{"id": "nosuch", "format": "curl"}, "unknown flow id"},
		{"export_flow", map[string]any{"id": "x", "format": "wget"}, "format"},
	} {
		callErr(t, cs, c.tool, c.args, c.want)
	}
	// Nothing was lost: the session still answers.
	if out := call[ListOut](t, cs, "list_flows", nil); out.Total != 2 {
		t.Fatalf("after errors: total %d", out.Total)
	}
}

func TestGetFlowAndBody(t *testing.T) {
	f := testFlow(1)
	f.Request.Method, f.Request.URL = "POST", "https://api.example.com/login?access_token=abc123&page=2"
	f.Request.Header.Set("Authorization", "Bearer s3cr3t-t0ken")
	f.Request.Header.Set("Cookie", "sid=abcdef; theme=dark")
	login := `{"user":"ann","password":"hunter2","nested":{"api_key":"k-123","ok":true},"list":[{"refresh_token":"rrr"}]}`
	f.Request.Body = session.Body{Data: []byte(login), Size: int64(len(login))}
	f.Request.Header.Set("Content-Type", "application/json")
	f.Response.Header.Set("Set-Cookie", "sid=zzzz; Path=/; HttpOnly")
	big := bytes.Repeat([]byte("0123456789abcdef\x00\xff"), 10000) // 180,000 bytes, binary
	gz := gzipBytes(t, big)
	f.Response.Header.Set("Content-Encoding", "gzip")
	f.Response.Header.Set("Content-Type", "application/octet-stream")
	f.Response.Body = session.Body{Data: gz, Size: int64(len(gz))}
	path := writeSession(t, f)

	cs := serveFile(t, path, false)
	id := call[ListOut](t, cs, "list_flows", nil).Flows[0].ID
	got := call[FlowOut](t, cs, "get_flow", map[string]any{"id": id})
	all := jsonText(t, got)
	for _, secret := range []string{"s3cr3t", "abcdef", "hunter2", "k-123", "rrr", "zzzz", "abc123"} {
		if strings.Contains(all, secret) {
			t.Errorf("redacted get_flow holds %q", secret)
		}
	}
	for _, want := range []string{"Bearer [redacted …12 chars]", "sid=[redacted …6 chars]; theme=[redacted …4 chars]",
		"sid=[redacted …4 chars]; Path=/; HttpOnly", "access_token=[redacted …6 chars]&page=2"} {
		if !strings.Contains(all, want) {
			t.Errorf("get_flow lacks %q", want)
		}
	}
	wantBody := `{"user":"ann","password":"[redacted …7 chars]","nested":{"api_key":"[redacted …5 chars]","ok":true},"list":[{"refresh_token":"[redacted …3 chars]"}]}`
	if got.Request.Body.Preview != wantBody {
		t.Errorf("redacted request body\n%s\nwant\n%s", got.Request.Body.Preview, wantBody)
	}
	if got.Response.Body.DecodedSize != len(big) || !got.Response.Body.More || got.Response.Body.Encoding != "base64" {
		t.Errorf("response preview %+v", got.Response.Body)
	}

	// The >64 KiB body, in chunks, reassembled byte for byte.
	var whole []byte
	offset := 0
	for range 10 {
		b := call[BodyOut](t, cs, "get_body", map[string]any{"id": id, "side": "response", "offset": offset})
		chunk := []byte(b.Data)
		if b.Encoding == "base64" {
			var err error
			if chunk, err = base64.StdEncoding.DecodeString(b.Data); err != nil {
				t.Fatal(err)
			}
		}
		if b.Total != len(big) || len(chunk) != b.Length || b.Length > 64<<10 {
			t.Fatalf("chunk at %d: total %d length %d", offset, b.Total, b.Length)
		}
		whole = append(whole, chunk...)
		if b.NextOffset == 0 {
			break
		}
		offset = b.NextOffset
	}
	if !bytes.Equal(whole, big) {
		t.Fatalf("reassembled %d bytes, differ from the %d sent", len(whole), len(big))
	}
	raw := call[BodyOut](t, cs, "get_body", map[string]any{"id": id, "side": "response", "decoded": false})
	if raw.Total != len(gz) || raw.Encoding != "base64" || raw.Redacted || raw.WireSize != int64(len(gz)) {
		t.Fatalf("wire body: total %d (want %d), encoding %s", raw.Total, len(gz), raw.Encoding)
	}
	req := call[BodyOut](t, cs, "get_body", map[string]any{"id": id, "side": "request"})
	if strings.Contains(req.Data, "hunter2") || req.Encoding != "text" || !req.Redacted {
		t.Fatalf("request body %+v", req)
	}
	callErr(t, cs, "get_body", map[string]any{"id": id, "side": "request", "offset": 10000}, "bad offset")

	// Without redaction everything is as captured.
	open := serveFile(t, path, true)
	got = call[FlowOut](t, open, "get_flow", map[string]any{"id": id})
	all = jsonText(t, got)
	for _, secret := range []string{"Bearer s3cr3t-t0ken", "sid=abcdef", "hunter2", "k-123", "zzzz", "access_token=abc123"} {
		if !strings.Contains(all, secret) {
			t.Errorf("unredacted get_flow lacks %q", secret)
		}
	}
	req = call[BodyOut](t, open, "get_body", map[string]any{"id": id, "side": "request"})
	if req.Data != login {
		t.Fatalf("unredacted request body %q", req.Data)
	}
}

func TestSearchDiffExportInfo(t *testing.T) {
	a, b := testFlow(1), testFlow(2)
	b.Response.Status, b.Response.Reason = 500, "Internal Server Error"
	b.Response.Body = session.Body{Data: []byte(`{"error":"database timeout","token":"tt"}`)}
	b.Response.Body.Size = int64(len(b.Response.Body.Data))
	c := testFlow(3)
	c.Response, c.State = nil, session.Failed
	c.Err = &session.Error{Phase: session.PhaseDial, Msg: "connection refused", Hint: "is the server up?"}
	c.Request.URL = "https://other.example.org/"
	cs := serveFile(t, writeSession(t, a, b, c), false)
	rows := call[ListOut](t, cs, "list_flows", nil).Flows

	s := call[SearchOut](t, cs, "search_flows", map[string]any{"pattern": "(?i)TIMEOUT"})
	if len(s.Matches) != 1 || s.Matches[0].ID != rows[1].ID || s.Matches[0].Lines[0].Where != "response body" ||
		!strings.Contains(s.Matches[0].Lines[0].Text, "database timeout") || strings.Contains(s.Matches[0].Lines[0].Text, `"tt"`) {
		t.Fatalf("search: %+v", s)
	}
	s = call[SearchOut](t, cs, "search_flows", map[string]any{"pattern": "json", "in": "headers", "filter": "~c 200"})
	if len(s.Matches) != 1 || s.Matches[0].ID != rows[0].ID || s.Searched != 1 {
		t.Fatalf("header search: %+v", s)
	}
	if s := call[SearchOut](t, cs, "search_flows", map[string]any{"pattern": "database", "in": "headers"}); len(s.Matches) != 0 {
		t.Fatalf("headers-only search found a body: %+v", s)
	}

	d := call[DiffOut](t, cs, "diff_flows", map[string]any{"a": rows[0].ID, "b": rows[1].ID})
	for _, want := range []string{"-GET https://api.example.com/items/1", "+GET https://api.example.com/items/2",
		"-HTTP/1.1 200 OK", "+HTTP/1.1 500 Internal Server Error", `+  "error": "database timeout",`} {
		if !strings.Contains(d.Diff, want) {
			t.Errorf("diff lacks %q:\n%s", want, d.Diff)
		}
	}
	if same := call[DiffOut](t, cs, "diff_flows", map[string]any{"a": rows[0].ID, "b": rows[0].ID}); !same.Same || same.Diff != "" {
		t.Errorf("a flow against itself: %+v", same)
	}

	for format, want := range map[string]string{"curl": "curl", "httpie": "http", "raw": "GET /items/1 HTTP/1.1", "har": `"log"`} {
		e := call[ExportOut](t, cs, "export_flow", map[string]any{"id": rows[0].ID, "format": format})
		if !strings.Contains(e.Text, want) {
			t.Errorf("export %s lacks %q: %s", format, want, e.Text)
		}
	}
	raw := call[ExportOut](t, cs, "export_flow", map[string]any{"id": rows[0].ID, "format": "raw"})
	if !strings.Contains(raw.Text, "HTTP/1.1 200 OK") {
		t.Errorf("raw export lacks the response: %s", raw.Text)
	}

	info := call[InfoOut](t, cs, "session_info", nil)
	if info.Flows != 3 || info.ErrorsByPhase["dial"] != 1 || info.StatusClasses["2xx"] != 1 || info.StatusClasses["5xx"] != 1 ||
		len(info.Hosts) != 2 || info.Hosts[0] != (HostCount{"api.example.com", 2}) || info.SpanMS != 2 || !info.Redacted {
		t.Fatalf("session_info %+v", info)
	}
	g := call[FlowOut](t, cs, "get_flow", map[string]any{"id": rows[2].ID})
	if g.Error == nil || g.Error.Hint != "is the server up?" || g.Response != nil {
		t.Fatalf("failed flow %+v", g)
	}
}

func TestFileSourceSeesNewCommits(t *testing.T) {
	path := writeSession(t, testFlow(1))
	cs := serveFile(t, path, false)
	if n := call[ListOut](t, cs, "list_flows", nil).Total; n != 1 {
		t.Fatalf("total %d", n)
	}
	st, err := session.Open(path, session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.Add(testFlow(2))
	if err := st.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := call[ListOut](t, cs, "list_flows", nil).Total; n != 2 {
		t.Fatalf("after a commit by another writer: total %d, want 2", n)
	}
}

func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := newGzip(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

var _ = http.StatusOK

// jsonText is v as JSON without HTML escapes, for substring checks.
func jsonText(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestGetFlowOfATunnel(t *testing.T) {
	f := testFlow(1)
	f.Kind, f.Response = session.Tunnel, nil
	f.Request.Method, f.Request.URL = "CONNECT", "https://pinned.example.com:443"
	f.Stream = &session.StreamStats{BytesUp: 517, BytesDown: 4096}
	cs := serveFile(t, writeSession(t, f), false)
	id := call[ListOut](t, cs, "list_flows", nil).Flows[0].ID
	got := call[FlowOut](t, cs, "get_flow", map[string]any{"id": id})
	if got.Protocol != "tunnel" || got.Stream == nil || got.Stream.BytesUp != 517 || got.Stream.BytesDown != 4096 || got.Size != 4613 {
		t.Fatalf("tunnel: %+v stream %+v", got.Row, got.Stream)
	}
	callErr(t, cs, "get_body", map[string]any{"id": id, "side": "response"}, "no response")
}

func TestFileSourceKeepsServingWhenReopenFails(t *testing.T) {
	path := writeSession(t, testFlow(1))
	cs := serveFile(t, path, false)
	call[ListOut](t, cs, "list_flows", nil)
	if err := os.WriteFile(path, []byte("not a session any more"), 0o600); err != nil {
		t.Fatal(err)
	}
	if n := call[ListOut](t, cs, "list_flows", nil).Total; n != 1 {
		t.Fatalf("after the file went bad: total %d, want the 1 flow read before", n)
	}
}
