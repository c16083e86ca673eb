package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/siphonproxy/siphon/session"
)

// wsEcho is a WebSocket origin that sends every message back as it came
// (type and payload), accepting permessage-deflate when the client offers
// it; coder/websocket answers a close with the same code and reason.
func wsEcho() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionContextTakeover})
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(64 << 20)
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil {
				return // the library answered a close with its code and reason
			}
			if c.Write(r.Context(), typ, msg) != nil {
				return
			}
		}
	})
}

// wsClient dials url through the siphon at proxy, trusting roots for TLS.
func wsClient(t *testing.T, ctx context.Context, proxy, wsURL string, roots *x509.CertPool, mode websocket.CompressionMode) *websocket.Conn {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{
		Proxy:           http.ProxyURL(&url.URL{Scheme: "http", Host: proxy}),
		TLSClientConfig: &tls.Config{RootCAs: roots},
	}}
	conn, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPClient: hc, CompressionMode: mode, CompressionThreshold: 1})
	if err != nil {
		t.Fatalf("dial %s through siphon: %v", wsURL, err)
	}
	conn.SetReadLimit(64 << 20)
	return conn
}

// wsOrigins starts a plain and a TLS echo origin and returns their ws://
// and wss:// base URLs and the TLS origin's certificate as a PEM file.
func wsOrigins(t *testing.T, h http.Handler) (plain, secure, originCA string) {
	t.Helper()
	p := httptest.NewServer(h)
	t.Cleanup(p.Close)
	s := httptest.NewTLSServer(h)
	t.Cleanup(s.Close)
	return "ws" + strings.TrimPrefix(p.URL, "http"), "wss" + strings.TrimPrefix(s.URL, "https"), writePEM(t, s.Certificate())
}

// siphonCA returns the CA of a siphon home as a pool and its PEM path.
func siphonCA(t *testing.T, home string) (*x509.CertPool, string) {
	t.Helper()
	path, _, code := runSiphonHome(t, home, "ca", "path")
	path = strings.TrimSpace(path)
	if code != 0 || path == "" {
		t.Fatalf("siphon ca path: %d %q", code, path)
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", path)
	}
	return pool, path
}

// stoppedSession stops c and opens its session file read-only.
func stoppedSession(t *testing.T, c *child) *session.Store {
	t.Helper()
	if code := c.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d after SIGTERM:\n%s", code, c.stderr)
	}
	store, err := session.Open(c.session, session.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// wsFlow returns the WebSocket flow of store whose URL is u, and all its
// messages.
func wsFlow(t *testing.T, store *session.Store, u string) (*session.Flow, []session.Message) {
	t.Helper()
	for _, meta := range store.List(nil, 0, 1000) {
		if meta.Kind != session.WebSocket || meta.Request.URL != u {
			continue
		}
		f, err := store.Get(meta.ID)
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := store.Messages(f.ID, 0, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		return f, msgs
	}
	t.Fatalf("no WebSocket flow for %s in the session", u)
	return nil, nil
}

// wsCtx is the deadline of one WebSocket conversation in a test.
func wsCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}
