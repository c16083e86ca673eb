package ui

import (
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/flowview"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// streamStore is a session file with an open WebSocket chat and a
// streaming LLM answer, both still pending.
func streamStore(t *testing.T) (s *session.Store, ws, sse *session.Flow) {
	t.Helper()
	s, err := session.Open(filepath.Join(t.TempDir(), "streams.db"), session.Options{})
	must(t, err)
	t.Cleanup(func() { s.Close() })
	ws = &session.Flow{ID: "ws-chat", State: session.Pending, Kind: session.WebSocket,
		Request: req("GET", "https://chat.example.com/socket", http.Header{"Upgrade": {"websocket"}}, ""),
		Response: &session.Response{Status: 101, Reason: "Switching Protocols", Proto: "HTTP/1.1",
			Header: http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}}}}
	ws.Timings.RequestReceived = session.StampOf(base)
	sse = &session.Flow{ID: "llm", State: session.Pending,
		Request:  req("POST", "https://api.example.com/v1/chat/completions", http.Header{"Content-Type": {"application/json"}}, `{"stream":true}`),
		Response: resp(200, "text/event-stream", []byte(openAIChunk("gpt-4o-mini", "Hello"))),
	}
	sse.Timings.RequestReceived = session.StampOf(base.Add(time.Second))
	s.Add(ws)
	s.Add(sse)
	return s, ws, sse
}

func openAIChunk(model, text string) string {
	return fmt.Sprintf("data: {\"model\":%q,\"choices\":[{\"index\":0,\"delta\":{\"content\":%q}}]}\n\n", model, text)
}

func wsMessage(ms int, dir session.Direction, op session.Opcode, data string) session.Message {
	return session.Message{Dir: dir, Time: session.StampOf(base.Add(time.Duration(ms) * time.Millisecond)),
		Opcode: op, Data: []byte(data), Size: int64(len(data))}
}

// The Messages tab of an open WebSocket shows messages as the store gets
// them, following the newest, and the selected one in full.
func TestMessagesTabLive(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			store, ws, _ := streamStore(t)
			must(t, store.AddMessage(ws.ID, wsMessage(15, session.Up, session.OpText, `{"op":"join","room":"lobby"}`)))
			tm := start(t, store, size[0], size[1])
			waitScreen(t, tm, "/socket")
			press(tm, keymap.ScopeList, keymap.ActOpen)
			waitScreen(t, tm, "Upgrade: websocket") // loaded: the flow has its Messages tab
			for range flowview.TabMessages {
				press(tm, keymap.ScopeFlow, keymap.ActNextTab)
			}
			waitScreen(t, tm, "[Messages]", "message 1 of 1 · connection open · follow: on")
			// Messages arrive while the tab is shown.
			must(t, store.AddMessage(ws.ID, wsMessage(48, session.Down, session.OpText, `{"op":"joined","members":["ada","grace"],"topic":"proxies"}`)))
			must(t, store.AddMessage(ws.ID, wsMessage(1250, session.Down, session.OpBinary, "\x08\x96\x01\x12\x04ping")))
			must(t, store.AddMessage(ws.ID, wsMessage(2300, session.Up, session.OpText, `{"op":"say","text":"hello, lobby"}`)))
			waitScreen(t, tm, "message 4 of 4", `"text": "hello, lobby"`)
			press(tm, keymap.ScopeMessages, keymap.ActPrevMessage)
			waitScreen(t, tm, "message 3 of 4", "follow: off", "00000000  08 96 01 12 04 70 69 6e  67")
			press(tm, keymap.ScopeMessages, keymap.ActPrevMessage)
			waitScreen(t, tm, "message 2 of 4", `"members": [`)
			m := finish(t, tm)
			if st := m.State(); st.Page != "flow" || st.Tab != flowview.TabMessages {
				t.Errorf("state: page %s, tab %d", st.Page, st.Tab)
			}
			// The flow view only: the status and hint bars have goldens of
			// their own and change with other features' keys.
			golden.RequireEqual(t, []byte(m.flow.View()))
		})
	}
}

// The Events tab of a streaming answer shows the first event before the
// stream ends, and the rest as the body grows (the proxy updates the
// flow's body in the store as it streams).
func TestEventsTabLive(t *testing.T) {
	store, _, sse := streamStore(t)
	tm := start(t, store, 100, 40)
	waitScreen(t, tm, "/v1/chat/completions")
	press(tm, keymap.ScopeList, keymap.ActDown)
	press(tm, keymap.ScopeList, keymap.ActOpen)
	waitScreen(t, tm, `"stream": true`) // loaded: the flow has its Events tab
	// Request, Response, Details, then Events: no Messages tab.
	for range 3 {
		press(tm, keymap.ScopeFlow, keymap.ActNextTab)
	}
	waitScreen(t, tm, "[Events]", "1 event · streaming", `"content": "Hello"`, "answer (openai-chat)", "end: not yet")
	body := string(sse.Response.Body.Data) + openAIChunk("gpt-4o-mini", ", world") +
		`data: {"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}` + "\n\n" +
		`data: {"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}` + "\n\n"
	sse.Response.Body = session.Body{Data: []byte(body), Size: int64(len(body))}
	must(t, store.Update(sse))
	waitScreen(t, tm, "4 events · streaming", "  Hello, world", "tokens: 9 in · 3 out · 12 total", "end: stop")
	m := finish(t, tm)
	if st := m.State(); st.Open == nil || st.Open.State != session.Pending {
		t.Errorf("the stream ended before the events were shown: %+v", st.Open)
	}
	golden.RequireEqual(t, []byte(m.flow.View())) // the flow view only, as above
}
