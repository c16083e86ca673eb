package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/mcp"
)

// liveMCP is a siphon dump serving MCP over HTTP.
type liveMCP struct {
	*child
	url, token string
	protocol   string // the client's protocol version; "" for the newest
}

func startLiveMCP(t *testing.T, args ...string) *liveMCP {
	t.Helper()
	c := startDump(t, "", append([]string{"--mcp", "127.0.0.1:0"}, args...)...)
	l := &liveMCP{child: c}
	for _, line := range strings.Split(c.stderr.String(), "\n") {
		if v, ok := strings.CutPrefix(line, "siphon: MCP server on "); ok {
			l.url, _, _ = strings.Cut(v, " ")
		}
		if v, ok := strings.CutPrefix(line, "siphon: MCP token "); ok {
			l.token = v
		}
	}
	if l.url == "" || l.token == "" {
		t.Fatalf("siphon dump --mcp did not announce its URL and token:\n%s", c.stderr)
	}
	return l
}

// bearer adds a token to every request.
type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// connect connects the go-sdk's client over streamable HTTP with token.
func (l *liveMCP) connect(t *testing.T, token string, opts *sdk.ClientOptions) (*sdk.ClientSession, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tr := &sdk.StreamableClientTransport{Endpoint: l.url, HTTPClient: &http.Client{Transport: bearer{token}}}
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "siphon-test", Version: "1"}, opts).Connect(ctx, tr, &sdk.ClientSessionOptions{ProtocolVersion: l.protocol})
	if err == nil {
		t.Cleanup(func() { cs.Close() })
	}
	return cs, err
}

// get sends a request through the proxy and returns the answer's body.
func (l *liveMCP) get(t *testing.T, method, u, body string) (string, error) {
	proxyURL, _ := url.Parse("http://" + l.addr)
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}, Timeout: 20 * time.Second}
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestMCPLiveRequiresTokenAndLoopback(t *testing.T) {
	l := startLiveMCP(t)
	for _, auth := range []string{"", "Bearer wrong", "Basic " + l.token} {
		req, _ := http.NewRequest("POST", l.url, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("Authorization %q: status %d, want 401", auth, resp.StatusCode)
		}
	}
	if _, err := l.connect(t, "wrong", nil); err == nil {
		t.Fatal("the go-sdk client connected with a wrong token")
	}
	cs, err := l.connect(t, l.token, nil)
	if err != nil {
		t.Fatalf("connect with the token: %v", err)
	}
	if info := callTool[mcp.InfoOut](t, cs, "session_info", nil); !info.Live || info.File != l.session || !info.Redacted {
		t.Errorf("session_info %+v", info)
	}
	// Without --mcp-allow-actions every action tool refuses.
	for name, args := range map[string]map[string]any{
		"replay_flow": {"id": "x"}, "add_rule": {"yaml": "name: a\nmatch: ~all\nblock: 403"},
		"list_paused": {}, "resume_flow": {"id": "x"}, "drop_flow": {"id": "x"},
	} {
		toolError(t, cs, name, args, "--mcp-allow-actions")
	}
	if _, err := os.Stat(filepath.Join(l.home, "mcp-rules.yaml")); err == nil {
		t.Error("a refused add_rule wrote a rules file")
	}

	_, stderr, code := runSiphon(t, "dump", "--mcp", "0.0.0.0:0", "--listen", "127.0.0.1:0")
	if code != 2 || !strings.Contains(stderr, "not loopback") {
		t.Errorf("--mcp 0.0.0.0:0: exit %d, %q; want 2 and a refusal", code, stderr)
	}
	_, stderr, code = runSiphon(t, "dump", "--mcp-allow-actions")
	if code != 2 || !strings.Contains(stderr, "need --mcp") {
		t.Errorf("--mcp-allow-actions alone: exit %d, %q", code, stderr)
	}
}

// TestMCPLiveNotifiesAndActs is acceptance 2: a subscribed client is told
// of a new flow; with --mcp-allow-actions a replay appears in the session,
// an added breakpoint pauses a flow that is then resumed with an edit the
// origin receives, and another is dropped.
func TestMCPLiveNotifiesAndActs(t *testing.T) {
	origin := testutil.NewRecordingOrigin(t, false, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok "+r.URL.Path)
	}))
	l := startLiveMCP(t, "--mcp-allow-actions")
	updates := make(chan string, 1000)
	// Under 2026-07-28 Subscribe returns before siphon has registered the
	// subscription; 2025-11-25's resources/subscribe is answered once it
	// has, so the request below is sure to be notified.
	l.protocol = "2025-11-25"
	cs, err := l.connect(t, l.token, &sdk.ClientOptions{
		ResourceUpdatedHandler: func(_ context.Context, req *sdk.ResourceUpdatedNotificationRequest) {
			select {
			case updates <- req.Params.URI:
			default:
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := cs.Subscribe(context.Background(), &sdk.SubscribeParams{URI: mcp.FlowsURI}); err != nil {
		t.Fatal(err)
	}

	if _, err := l.get(t, "GET", origin.URL+"/first", ""); err != nil {
		t.Fatal(err)
	}
	origin.Next(t)
	if uri := testutil.Receive(t, updates, "resource-updated notification"); uri != mcp.FlowsURI {
		t.Fatalf("notification for %s", uri)
	}
	first := callTool[mcp.ListOut](t, cs, "list_flows", map[string]any{"filter": "~u /first"})
	if first.Total != 1 {
		t.Fatalf("list_flows: %+v", first)
	}

	// Replay, edited: the origin gets it and the session holds it.
	rep := callTool[mcp.ReplayOut](t, cs, "replay_flow", map[string]any{"id": first.Flows[0].ID, "headers": map[string]string{"X-Replayed": "1"}})
	if rep.ID == "" || rep.Status != 200 || rep.Error != "" {
		t.Fatalf("replay_flow: %+v", rep)
	}
	if got := origin.Next(t); got.Header.Get("X-Replayed") != "1" || !strings.HasSuffix(got.URL, "/first") {
		t.Fatalf("origin received %+v", got)
	}
	if f := callTool[mcp.FlowOut](t, cs, "get_flow", map[string]any{"id": rep.ID}); f.Source != "replay" || f.Status != 200 {
		t.Fatalf("the replay's flow: source %s status %d", f.Source, f.Status)
	}
	toolError(t, cs, "replay_flow", map[string]any{"id": "feedface"}, "unknown flow id")

	// A bad rule is refused at its line; nothing is written.
	toolError(t, cs, "add_rule", map[string]any{"yaml": "name: bad\nmatch: ~u (\nblock: 403"}, "add_rule:2")
	toolError(t, cs, "add_rule", map[string]any{"yaml": "- name: a\n  match: ~all\n  block: 403\n- name: b\n  match: ~all\n  block: 403"}, "exactly one rule")
	rulesFile := filepath.Join(l.home, "mcp-rules.yaml")
	if _, err := os.Stat(rulesFile); err == nil {
		t.Fatal("a refused rule was written")
	}
	added := callTool[mcp.AddRuleOut](t, cs, "add_rule", map[string]any{"yaml": "name: hold\nmatch: ~u /held\nbreakpoint: request"})
	if added.File != rulesFile || added.Rules != 1 {
		t.Fatalf("add_rule: %+v", added)
	}
	if data, err := os.ReadFile(rulesFile); err != nil || !strings.Contains(string(data), "- name: hold") {
		t.Fatalf("rules file: %q %v", data, err)
	}
	toolError(t, cs, "add_rule", map[string]any{"yaml": "name: hold\nmatch: ~all\nblock: 403"}, "hold")

	// A paused flow resumed with an edited request.
	answer := make(chan string, 1)
	go func() {
		body, err := l.get(t, "POST", origin.URL+"/held", "original")
		if err != nil {
			body = "error: " + err.Error()
		}
		answer <- body
	}()
	held := waitPaused(t, cs, updates)
	if held.Phase != "request" || !strings.HasSuffix(held.URL, "/held") {
		t.Fatalf("paused %+v", held)
	}
	toolError(t, cs, "resume_flow", map[string]any{"id": held.ID, "response": map[string]any{"status": 500}}, "request")
	toolError(t, cs, "resume_flow", map[string]any{"id": "feedface"}, "not paused")
	res := callTool[mcp.ActionOut](t, cs, "resume_flow", map[string]any{"id": held.ID,
		"request": map[string]any{"headers": map[string]string{"X-Edited": "yes"}, "body": "edited"}})
	if !strings.Contains(res.Done, "edited") {
		t.Errorf("resume_flow: %+v", res)
	}
	got := origin.Next(t)
	if got.Header.Get("X-Edited") != "yes" || string(got.Body) != "edited" {
		t.Fatalf("origin received %q with X-Edited %q", got.Body, got.Header.Get("X-Edited"))
	}
	if body := testutil.Receive(t, answer, "answer to the client"); body != "ok /held" {
		t.Fatalf("client got %q", body)
	}

	// Another one dropped: the client's connection is closed.
	go func() {
		body, err := l.get(t, "GET", origin.URL+"/held", "")
		if err != nil {
			body = "error: " + err.Error()
		}
		answer <- body
	}()
	held = waitPaused(t, cs, updates)
	callTool[mcp.ActionOut](t, cs, "drop_flow", map[string]any{"id": held.ID})
	if body := testutil.Receive(t, answer, "answer to the client"); !strings.HasPrefix(body, "error: ") {
		t.Fatalf("client of a dropped flow got %q", body)
	}
	origin.NoRequest(t, "the flow was dropped")
	toolError(t, cs, "drop_flow", map[string]any{"id": held.ID}, "not paused")

	// The SDK's line per notification stays out of siphon.log.
	if log, err := os.ReadFile(filepath.Join(l.home, "siphon.log")); err != nil || strings.Contains(string(log), "notification sent") {
		t.Errorf("siphon.log (%v) logs notifications:\n%s", err, log)
	}
}

// waitPaused waits for a flow to be paused, re-reading list_paused on each
// notification.
func waitPaused(t *testing.T, cs *sdk.ClientSession, updates <-chan string) mcp.PausedRow {
	t.Helper()
	for range 1000 {
		if p := callTool[mcp.PausedOut](t, cs, "list_paused", nil); len(p.Paused) > 0 {
			return p.Paused[0]
		}
		testutil.Receive(t, updates, "notification of the paused flow")
	}
	t.Fatal("no paused flow")
	return mcp.PausedRow{}
}
