package main

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/mcp"
)

// TestMCPWithTUI: siphon --mcp ADDR serves the proxy the terminal UI shows,
// with the token given by --mcp-token; --readonly FILE refuses --mcp.
func TestMCPWithTUI(t *testing.T) {
	origin := testutil.NewRecordingOrigin(t, false, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	dir := t.TempDir()
	fs := newFlagSet("siphon")
	var o proxyOptions
	o.register(fs)
	must(t, parseFlags(fs, []string{"--listen", "127.0.0.1:0", "--home", filepath.Join(dir, "home"),
		"--session", filepath.Join(dir, "session.db"), "--mcp", "127.0.0.1:0", "--mcp-token", "tui-token"}))
	c, err := o.check()
	must(t, err)
	app, err := startTUI(t.Context(), &o, c, tuiSetup{clipboard: &fakeClipboard{}})
	must(t, err)
	defer func() {
		if err := app.stop(nil); err != nil {
			t.Errorf("stop: %v", err)
		}
	}()
	proxyURL, _ := url.Parse("http://" + app.run.addr.String())
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}, Timeout: 20 * time.Second}
	resp, err := client.Get(origin.URL + "/from-tui")
	must(t, err)
	resp.Body.Close()
	client.CloseIdleConnections()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tr := &sdk.StreamableClientTransport{Endpoint: o.mcp.url, HTTPClient: &http.Client{Transport: bearer{"tui-token"}}}
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "t", Version: "1"}, nil).Connect(ctx, tr, nil)
	must(t, err)
	defer cs.Close()
	page := callTool[mcp.ListOut](t, cs, "list_flows", nil)
	if page.Total != 1 || !strings.HasSuffix(page.Flows[0].URL, "/from-tui") {
		t.Fatalf("list_flows over the TUI's proxy: %+v", page)
	}

	_, stderr, code := runSiphon(t, "--readonly", filepath.Join(dir, "session.db"), "--mcp", "127.0.0.1:0")
	if code != 2 || !strings.Contains(stderr, "siphon mcp --session") {
		t.Errorf("--readonly with --mcp: exit %d, %q", code, stderr)
	}
}
