package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestDumpJSONLinesMatchListFlows is acceptance 4: siphon dump --json and
// dump --read FILE --json print one JSON object per flow, with the fields
// and values list_flows gives for it, the listener it came in on included.
func TestDumpJSONLinesMatchListFlows(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "hi")
	}))
	defer origin.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := closed.Addr().String()
	closed.Close() // a port nothing listens on: a dial error flow

	c := startDump(t, "", "--json", "--mode", "regular@0", "--mode", "socks5@0")
	proxyURL, _ := url.Parse("http://" + c.addr)
	_, socks, _ := strings.Cut(c.stderr.String(), "SOCKS5 proxy listening on socks5h://")
	socks, _, _ = strings.Cut(socks, " ")
	socksURL, _ := url.Parse("socks5h://" + socks)
	for _, x := range []struct {
		proxy  *url.URL
		target string
	}{{proxyURL, origin.URL + "/a?q=1"}, {proxyURL, "http://" + deadAddr + "/gone"}, {socksURL, origin.URL + "/socks"}} {
		client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(x.proxy)}, Timeout: 20 * time.Second}
		resp, err := client.Get(x.target)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		client.CloseIdleConnections()
	}
	if code := c.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d:\n%s", code, c.stderr)
	}
	live := jsonLines(t, c.stdout.String())
	read, stderr, code := runSiphon(t, "dump", "--read", c.session, "--json")
	if code != 0 {
		t.Fatalf("dump --read --json: exit %d: %s", code, stderr)
	}
	stored := jsonLines(t, read)

	cs := mcpStdio(t, "--session", c.session)
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "list_flows", Arguments: map[string]any{}})
	if err != nil || res.IsError {
		t.Fatalf("list_flows: %v %v", err, res)
	}
	var page struct{ Flows []map[string]any }
	data, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(data, &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Flows) != 3 || len(live) != 3 || len(stored) != 3 {
		t.Fatalf("%d rows, %d live lines, %d stored lines; want 3 each:\n%s", len(page.Flows), len(live), len(stored), c.stdout)
	}
	byID := map[string]map[string]any{}
	for _, r := range page.Flows {
		byID[r["id"].(string)] = r
	}
	for _, lines := range [][]map[string]any{live, stored} {
		for _, l := range lines {
			row := byID[fmt.Sprint(l["id"])]
			if !reflect.DeepEqual(keys(l), keys(row)) {
				t.Errorf("fields of a dump --json line %v\nand of its list_flows row %v", keys(l), keys(row))
			}
			if !reflect.DeepEqual(l, row) {
				t.Errorf("dump --json line %v\nlist_flows row %v", l, row)
			}
		}
	}
	if e, ok := stored[1]["error"].(map[string]any); !ok || e["phase"] != "dial" {
		t.Errorf("the failed flow's line: %v", stored[1])
	}
	_, regularPort, _ := net.SplitHostPort(c.addr)
	_, socksPort, _ := net.SplitHostPort(socks)
	if stored[0]["listener"] != "regular@"+regularPort || stored[2]["listener"] != "socks5@"+socksPort {
		t.Errorf("listeners: %v and %v, want regular@%s and socks5@%s", stored[0]["listener"], stored[2]["listener"], regularPort, socksPort)
	}
	if stored[0]["status"] != 200.0 || stored[0]["content_type"] != "text/plain" || stored[0]["method"] != "GET" {
		t.Errorf("the first flow's line: %v", stored[0])
	}
}

func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", line, err)
		}
		rows = append(rows, m)
	}
	return rows
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
