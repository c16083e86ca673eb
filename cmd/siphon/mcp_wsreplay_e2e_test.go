package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/mcp"
)

// TestMCPReplaysWebSocket: replay_flow opens a captured WebSocket again
// through the live proxy and sends its client's messages, as siphon
// replay does; the origin gets them and the replay is a new WebSocket
// flow marked as a replay.
func TestMCPReplaysWebSocket(t *testing.T) {
	got := make(chan string, 16)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil {
				return
			}
			got <- string(msg)
			if c.Write(r.Context(), typ, msg) != nil {
				return
			}
		}
	}))
	t.Cleanup(origin.Close)
	l := startLiveMCP(t, "--mcp-allow-actions")
	updates := make(chan string, 1000)
	l.protocol = "2025-11-25" // subscribed once Subscribe returns (see TestMCPLiveNotifiesAndActs)
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

	ctx := wsCtx(t)
	wsURL := "ws" + strings.TrimPrefix(origin.URL, "http") + "/chat"
	conn := wsClient(t, ctx, l.addr, wsURL, nil, websocket.CompressionDisabled)
	for _, m := range []string{"hello", "again"} {
		if err := conn.Write(ctx, websocket.MessageText, []byte(m)); err != nil {
			t.Fatal(err)
		}
		if _, echo, err := conn.Read(ctx); err != nil || string(echo) != m {
			t.Fatalf("echo of %q: %q %v", m, echo, err)
		}
		testutil.Receive(t, got, "message at the origin")
	}
	conn.Close(websocket.StatusNormalClosure, "bye")
	var id string
	for range 100 {
		rows := callTool[mcp.ListOut](t, cs, "list_flows", map[string]any{"filter": "~websocket"}).Flows
		if len(rows) == 1 && rows[0].State == "done" {
			id = rows[0].ID
			break
		}
		testutil.Receive(t, updates, "notification of the WebSocket flow")
	}
	if id == "" {
		t.Fatal("the WebSocket flow never completed")
	}

	toolError(t, cs, "replay_flow", map[string]any{"id": id, "body": "x"}, "WebSocket")
	for _, atOnce := range []bool{false, true} {
		rep := callTool[mcp.ReplayOut](t, cs, "replay_flow", map[string]any{"id": id, "at_once": atOnce})
		// Size is left alone: echoes that cross the client's close are
		// not counted.
		if rep.ID == "" || rep.ID == id || rep.Status != http.StatusSwitchingProtocols || rep.Sent != 3 || rep.Error != "" {
			t.Fatalf("replay_flow (at_once %v): %+v", atOnce, rep)
		}
		for _, want := range []string{"hello", "again"} {
			if m := testutil.Receive(t, got, "replayed message at the origin"); m != want {
				t.Fatalf("origin got %q, want %q", m, want)
			}
		}
		f := callTool[mcp.FlowOut](t, cs, "get_flow", map[string]any{"id": rep.ID})
		if f.Source != "replay" || f.Protocol != "websocket" || f.URL != strings.Replace(wsURL, "ws", "http", 1) {
			t.Fatalf("the replay's flow: source %s protocol %s url %s", f.Source, f.Protocol, f.URL)
		}
	}
}
