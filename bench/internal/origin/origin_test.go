package origin

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func start(t *testing.T) (*Server, *http.Client) {
	t.Helper()
	s, err := Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	return s, &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.Pool()}}, Timeout: 10 * time.Second}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, []byte) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

func TestSmallIsOneKiBOfJSONOnBothListeners(t *testing.T) {
	s, c := start(t)
	for _, base := range []string{s.HTTPURL, s.HTTPSURL} {
		res, body := get(t, c, base+"/small")
		if res.StatusCode != 200 || len(body) != SmallSize || !json.Valid(body) {
			t.Errorf("%s/small: status %d, %d bytes, valid JSON %v", base, res.StatusCode, len(body), json.Valid(body))
		}
		if res.ProtoMajor != 1 {
			t.Errorf("%s/small spoke %s; proxies offer only HTTP/1.1", base, res.Proto)
		}
	}
}

// The h2 listener speaks HTTP/2 to a client that offers it, and still
// HTTP/1.1 to one that does not.
func TestH2ListenerSpeaksHTTP2(t *testing.T) {
	s, c := start(t)
	h2 := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.Pool()}, Protocols: new(http.Protocols)}
	h2.Protocols.SetHTTP2(true)
	for _, tc := range []struct {
		c    *http.Client
		want int
	}{{&http.Client{Transport: h2, Timeout: 10 * time.Second}, 2}, {c, 1}} {
		res, body := get(t, tc.c, s.H2URL+"/small")
		if res.StatusCode != 200 || len(body) != SmallSize || res.ProtoMajor != tc.want {
			t.Errorf("%s/small: status %d, %d bytes, over %s; want HTTP/%d", s.H2URL, res.StatusCode, len(body), res.Proto, tc.want)
		}
	}
}

func TestBigStreamsTheAskedSize(t *testing.T) {
	s, c := start(t)
	res, body := get(t, c, s.HTTPSURL+"/big?mb=3")
	if res.StatusCode != 200 || len(body) != 3<<20 || res.ContentLength != 3<<20 {
		t.Fatalf("status %d, %d bytes, length %d", res.StatusCode, len(body), res.ContentLength)
	}
	for _, bad := range []string{"", "?mb=x", "?mb=-1", "?mb=999999"} {
		if res, body := get(t, c, s.HTTPURL+"/big"+bad); res.StatusCode != 400 || !strings.Contains(string(body), "mb=N") {
			t.Errorf("/big%s: status %d %q, want 400 explaining the parameter", bad, res.StatusCode, body)
		}
	}
}

func TestEventsComeOneByOne(t *testing.T) {
	s, c := start(t)
	res, body := get(t, c, s.HTTPURL+"/sse?n=4&gap=1ms")
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" || strings.Count(string(body), "data: ") != 4 {
		t.Fatalf("content type %q, body %q", ct, body)
	}
	for _, bad := range []string{"?n=0", "?n=x", "?gap=forever", "?gap=1h"} {
		if res, _ := get(t, c, s.HTTPURL+"/sse"+bad); res.StatusCode != 400 {
			t.Errorf("/sse%s: status %d, want 400", bad, res.StatusCode)
		}
	}
}

func TestCertificateCoversEveryBenchName(t *testing.T) {
	s, _ := start(t)
	for _, name := range []string{"bench.test", "a.bench.test", "n199-r2-siphon.bench.test", "127.0.0.1"} {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.Pool(), ServerName: name}}, Timeout: 10 * time.Second}
		if res, _ := get(t, c, s.HTTPSURL+"/small"); res.StatusCode != 200 {
			t.Errorf("%s: status %d", name, res.StatusCode)
		}
	}
}

func TestStreamSendsNumberedMessagesThenCloses(t *testing.T) {
	s, c := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.HTTPURL, "http")+"/wsstream?n=300&size=16", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	for i := range 300 {
		typ, data, err := ws.Read(ctx)
		if err != nil || typ != websocket.MessageBinary || len(data) != 16 || binary.BigEndian.Uint64(data) != uint64(i) {
			t.Fatalf("message %d: %v %d bytes %x, err %v", i, typ, len(data), data, err)
		}
	}
	if _, _, err := ws.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("after the last message: %v, want a normal closure", err)
	}
	for _, bad := range []string{"", "?n=1", "?n=0&size=8", "?n=1&size=4", "?n=x&size=8"} {
		if res, body := get(t, c, s.HTTPURL+"/wsstream"+bad); res.StatusCode != 400 || !strings.Contains(string(body), "n=N&size=S") {
			t.Errorf("/wsstream%s: status %d %q, want 400 explaining the parameters", bad, res.StatusCode, body)
		}
	}
}
