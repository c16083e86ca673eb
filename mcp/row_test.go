package mcp

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// list_flows rows name the listener a flow came in on, as get_flow does,
// and the tool's output schema says so.
func TestRowsCarryTheListener(t *testing.T) {
	socks, imported := testFlow(1), testFlow(2)
	socks.Listener = "socks5@1080"
	cs := serveFile(t, writeSession(t, socks, imported), false)

	rows := call[ListOut](t, cs, "list_flows", nil).Flows
	if len(rows) != 2 || rows[0].Listener != "socks5@1080" || rows[1].Listener != "" {
		t.Fatalf("rows: %+v", rows)
	}
	if got := call[FlowOut](t, cs, "get_flow", map[string]any{"id": rows[0].ID}); got.Listener != "socks5@1080" {
		t.Errorf("get_flow listener %q", got.Listener)
	}
	search := call[SearchOut](t, cs, "search_flows", map[string]any{"pattern": "thing 1", "in": "bodies"})
	if len(search.Matches) != 1 || search.Matches[0].Listener != "socks5@1080" {
		t.Errorf("search_flows: %+v", search.Matches)
	}
	raw, _ := json.Marshal(rows[1])
	if strings.Contains(string(raw), "listener") {
		t.Errorf("a flow without a listener: %s", raw)
	}

	tools, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range tools.Tools {
		if tool.Name != "list_flows" {
			continue
		}
		schema, _ := json.Marshal(tool.OutputSchema)
		if !strings.Contains(string(schema), `"listener":{`) {
			t.Errorf("list_flows' output schema has no listener: %s", schema)
		}
		return
	}
	t.Fatal("no list_flows tool")
}
