package mitm

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/siphonproxy/siphon/session"
)

// TestWebSocketCountsWhileOpen checks that an open WebSocket's flow shows
// its frames, pings and pongs before the connection closes, and keeps
// them when it does.
func TestWebSocketCountsWhileOpen(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil || c.Write(r.Context(), typ, msg) != nil {
				return
			}
		}
	}))
	defer origin.Close()
	tp := startProxy(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(origin.URL, "http") + "/live"
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: tp.client()})
	if err != nil {
		t.Fatal(err)
	}
	// The library answers pings while a Read is pending.
	readErr := make(chan error, 1)
	go func() {
		for {
			if _, _, err := conn.Read(ctx); err != nil {
				readErr <- err
				return
			}
		}
	}()
	for range 3 {
		if err := conn.Write(ctx, websocket.MessageText, []byte("hi")); err != nil {
			t.Fatal(err)
		}
	}
	if err := conn.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	open := tp.rec.wait(t, "open WebSocket with counts", func(f *session.Flow) bool {
		return f.Kind == session.WebSocket && f.State != session.Done && f.Stream != nil && f.Stream.PongsDown == 1
	})
	if s := open.Stream; s.FramesUp != 4 || s.PingsUp != 1 || s.FramesDown != 4 || !s.Closed.IsZero() {
		t.Errorf("counts while open: %+v", s)
	}
	conn.Close(websocket.StatusNormalClosure, "")
	<-readErr
	f := tp.rec.wait(t, "closed WebSocket", finalFor("http"+strings.TrimPrefix(u, "ws")))
	if s := f.Stream; s == nil || s.PingsUp != 1 || s.PongsDown != 1 || s.PingsDown != 0 || s.FramesUp != 5 || s.Closed.IsZero() {
		t.Errorf("counts when closed: %+v", s)
	}
}
