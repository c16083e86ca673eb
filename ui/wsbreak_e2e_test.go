package ui

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/internal/testutil/certstest"
	"github.com/siphonproxy/siphon/mitm"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/wsintercept"
)

// received is a message a WebSocket peer got.
type received struct {
	typ  websocket.MessageType
	data string
}

// readInto sends what c receives on ch until c fails.
func readInto(ctx context.Context, c *websocket.Conn, ch chan<- received) {
	for {
		typ, b, err := c.Read(ctx)
		if err != nil {
			return
		}
		ch <- received{typ, string(b)}
	}
}

// Acceptance 2 of issue 12, end to end: a real WebSocket client and
// origin (github.com/coder/websocket) talk through the real proxy and
// engine while the UI drives them with its keys. B pauses the flow's
// messages; e edits one in $EDITOR and the origin gets exactly the edited
// bytes; X drops one and the origin never gets it; s sends messages of
// the user's own both ways and each peer gets exactly those bytes; the
// Messages tab shows the conversation live.
func TestWebSocketBreakpointsThroughTheProxy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	store, err := session.Open(filepath.Join(t.TempDir(), "ws.db"), session.Options{})
	must(t, err)
	t.Cleanup(func() { store.Close() })
	engine := intercept.New(intercept.Config{})
	proxy, err := mitm.New(mitm.Config{Recorder: store, Minter: certstest.NewMinter(t, 8), Decider: engine})
	must(t, err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	served := make(chan struct{})
	go func() { proxy.Serve(l); close(served) }()
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		proxy.Shutdown(sctx)
		<-served
	})

	toServer, toClient := make(chan received, 16), make(chan received, 16)
	accepted := make(chan *websocket.Conn, 1)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		accepted <- c
		readInto(ctx, c, toServer)
	}))
	t.Cleanup(origin.Close)
	hc := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(&url.URL{Scheme: "http", Host: l.Addr().String()})}}
	client, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(origin.URL, "http")+"/chat", &websocket.DialOptions{HTTPClient: hc})
	must(t, err)
	t.Cleanup(func() { client.CloseNow() })
	go readInto(ctx, client, toClient)
	server := testutil.Receive(t, accepted, "accepted WebSocket")
	expect := func(who string, ch <-chan received, typ websocket.MessageType, data string) {
		t.Helper()
		if got := testutil.Receive(t, ch, "message to the "+who); got.typ != typ || got.data != data {
			t.Fatalf("the %s got %v %q, want %v %q", who, got.typ, got.data, typ, data)
		}
	}

	editor := editorScript(t, `sed -i 's/^hello$/hello, edited/' "$1"`+"\n")
	// Wide enough for the paused count beside the longest message.
	tm := start(t, store, 180, 30, WithEngine(engine), WithMessageEngine(wsintercept.Adapt(engine)),
		WithInjector(proxy), WithEditor(editor))
	waitScreen(t, tm, "/chat", "B pause messages on/off")
	press(tm, keymap.ScopeMessageBreak, keymap.ActBreakMessages)
	waitScreen(t, tm, "pausing every message of flow #1, both directions")

	must(t, client.Write(ctx, websocket.MessageText, []byte("hello")))
	waitScreen(t, tm, "⏸ 1 paused message", "a forward")
	press(tm, keymap.ScopeMessageBreak, keymap.ActEdit)
	expect("origin", toServer, websocket.MessageText, "hello, edited")
	waitScreen(t, tm, "forwarded the edited message ↑ text 5B of flow #1")

	must(t, client.Write(ctx, websocket.MessageText, []byte("drop me")))
	waitScreen(t, tm, "⏸ 1 paused message")
	press(tm, keymap.ScopeMessageBreak, keymap.ActDrop)
	waitScreen(t, tm, "dropped the message ↑ text 7B of flow #1")
	must(t, server.Write(ctx, websocket.MessageBinary, []byte{1, 2, 3}))
	waitScreen(t, tm, "⏸ 1 paused message")
	press(tm, keymap.ScopeMessageBreak, keymap.ActForward)
	expect("client", toClient, websocket.MessageBinary, "\x01\x02\x03")
	press(tm, keymap.ScopeMessageBreak, keymap.ActBreakMessages)
	waitScreen(t, tm, "the messages of flow #1 pass again")
	must(t, client.Write(ctx, websocket.MessageText, []byte("after the drop")))
	expect("origin", toServer, websocket.MessageText, "after the drop") // not "drop me"

	press(tm, keymap.ScopeMessageBreak, keymap.ActInject)
	choose(tm, "s")
	choose(tm, "t")
	typeText(tm, `{"op":"say","text":"injected"}`)
	expect("origin", toServer, websocket.MessageText, `{"op":"say","text":"injected"}`)
	waitScreen(t, tm, "sent a 30B text message to the server on flow #1")
	press(tm, keymap.ScopeMessageBreak, keymap.ActInject)
	choose(tm, "c")
	choose(tm, "b")
	typeText(tm, "00 ff 10")
	expect("client", toClient, websocket.MessageBinary, "\x00\xff\x10")
	waitScreen(t, tm, "sent a 3B binary message to the client on flow #1")

	press(tm, keymap.ScopeList, keymap.ActOpen)
	waitScreen(t, tm, "Upgrade: websocket")
	for range 3 { // Request, Response, Details, Messages
		press(tm, keymap.ScopeFlow, keymap.ActNextTab)
	}
	waitScreen(t, tm, "[Messages]", "hello, edited", "after the drop", `{"op":"say","text":"injected"}`, "00 ff 10")
	finish(t, tm)
	select {
	case got := <-toServer:
		t.Errorf("the origin also got %v %q", got.typ, got.data)
	case got := <-toClient:
		t.Errorf("the client also got %v %q", got.typ, got.data)
	default:
	}
}
