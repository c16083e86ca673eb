package mitm

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
)

// wsMsg is a message a test peer received or is to send.
type wsMsg struct {
	typ  websocket.MessageType
	data string
}

// wsPair is a real WebSocket client and origin (github.com/coder/websocket)
// talking through a proxy: what each receives comes on its channel.
type wsPair struct {
	client     *websocket.Conn
	server     chan *websocket.Conn // the origin's side, once accepted
	toClient   chan wsMsg           // what the client received
	toServer   chan wsMsg           // what the origin received
	clientDone chan error           // the client's reader ended
	serverDone chan error           // the origin's reader ended
	flowID     string
	ctx        context.Context
	srv        *websocket.Conn
}

// wsModes are the compression modes the tests run in: none, and
// permessage-deflate with context takeover, every message compressed.
var wsModes = []struct {
	name string
	mode websocket.CompressionMode
}{{"plain", websocket.CompressionDisabled}, {"deflate", websocket.CompressionContextTakeover}}

// dialWS starts an origin (TLS: MITM'd by the proxy) and connects a client
// to it through tp; everything ends with the test.
func dialWS(t *testing.T, tp *testProxy, origin *httptest.Server, secure bool, mode websocket.CompressionMode) *wsPair {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	p := &wsPair{server: make(chan *websocket.Conn, 1), toClient: make(chan wsMsg, 64), toServer: make(chan wsMsg, 64),
		clientDone: make(chan error, 1), serverDone: make(chan error, 1), ctx: ctx}
	origin.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: mode, CompressionThreshold: 1})
		if err != nil {
			return
		}
		defer c.CloseNow()
		p.server <- c
		for {
			typ, b, err := c.Read(ctx)
			if err != nil {
				p.serverDone <- err
				return
			}
			p.toServer <- wsMsg{typ, string(b)}
		}
	})
	u := "ws" + strings.TrimPrefix(origin.URL, "http") + "/chat"
	if secure {
		u = "wss" + strings.TrimPrefix(origin.URL, "https") + "/chat"
	}
	c, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: tp.client(), CompressionMode: mode, CompressionThreshold: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	p.client = c
	go func() {
		for {
			typ, b, err := c.Read(ctx)
			if err != nil {
				p.clientDone <- err
				return
			}
			p.toClient <- wsMsg{typ, string(b)}
		}
	}()
	select {
	case p.srv = <-p.server:
	case <-ctx.Done():
		t.Fatal("the origin never accepted the WebSocket")
	}
	f := tp.rec.wait(t, "open WebSocket", func(f *session.Flow) bool {
		return f.Kind == session.WebSocket && f.Response != nil && f.Response.Status == 101 && f.Request.URL == "http"+strings.TrimPrefix(u, "ws")
	})
	p.flowID = f.ID
	if ext := f.Response.Header.Get("Sec-WebSocket-Extensions"); (mode != websocket.CompressionDisabled) != strings.Contains(ext, "permessage-deflate") {
		t.Fatalf("compression mode %v, extensions %q", mode, ext)
	}
	return p
}

// wsOrigin returns an origin (TLS when secure) whose handler dialWS sets.
func wsOrigin(t *testing.T, secure bool) *httptest.Server {
	s := httptest.NewUnstartedServer(nil)
	if secure {
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

func (p *wsPair) send(t *testing.T, typ websocket.MessageType, data string) {
	t.Helper()
	if err := p.client.Write(p.ctx, typ, []byte(data)); err != nil {
		t.Fatalf("client write %q: %v", data, err)
	}
}

func (p *wsPair) reply(t *testing.T, typ websocket.MessageType, data string) {
	t.Helper()
	if err := p.srv.Write(p.ctx, typ, []byte(data)); err != nil {
		t.Fatalf("origin write %q: %v", data, err)
	}
}

// expect receives the next message on ch and checks it.
func expect(t *testing.T, who string, ch <-chan wsMsg, typ websocket.MessageType, data string) {
	t.Helper()
	select {
	case m := <-ch:
		if m.typ != typ || m.data != data {
			t.Fatalf("%s got %v %q, want %v %q", who, m.typ, trim(m.data), typ, trim(data))
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s got nothing after 10s, want %q", who, trim(data))
	}
}

func trim(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// waitPausedMessages waits until the engine holds n messages.
func waitPausedMessages(t *testing.T, e *intercept.Engine, n int) []intercept.PausedMessage {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		if ps := e.PausedMessages(); len(ps) == n {
			return ps
		}
		select {
		case <-e.Changed():
		case <-timeout:
			t.Fatalf("want %d paused messages, have %d after 10s", n, len(e.PausedMessages()))
		}
	}
}

// waitMessage waits for a recorded message of the flow that ok accepts.
func waitMessage(t *testing.T, tp *testProxy, flowID, what string, ok func(session.Message) bool) session.Message {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		for _, m := range tp.rec.messages(flowID) {
			if ok(m) {
				return m
			}
		}
		select {
		case <-tp.rec.changed:
		case <-timeout:
			var have []string
			for _, m := range tp.rec.messages(flowID) {
				have = append(have, fmt.Sprintf("%s %s %dB %q action %q note %q", m.Dir, m.Opcode, m.Size, trim(string(m.Data)), m.Action, m.Note))
			}
			t.Fatalf("no recorded message %s after 10s; have %q", what, have)
		}
	}
}
