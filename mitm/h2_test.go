package mitm

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
)

// h2Client returns a client that uses the proxy, trusts only its CA and
// speaks HTTP/2 inside the tunnel (HTTP/1.1 if siphon did not offer h2).
func (tp *testProxy) h2Client() *http.Client {
	tr := &http.Transport{
		Proxy:           http.ProxyURL(&url.URL{Scheme: "http", Host: tp.addr}),
		TLSClientConfig: &tls.Config{RootCAs: tp.minter.CA().Pool()},
	}
	tr.Protocols = new(http.Protocols)
	tr.Protocols.SetHTTP1(true)
	tr.Protocols.SetHTTP2(true)
	return &http.Client{Transport: tr, Timeout: 20 * time.Second}
}

// h2Origin starts a TLS origin that speaks only HTTP/2: a client that
// offers only http/1.1 fails its handshake.
func h2Origin(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	// Connections siphon gives up on (streams reset by their client) are
	// not the test's news.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	srv.TLS.NextProtos = []string{"h2"}
	t.Cleanup(srv.Close)
	return srv
}

// protoEcho answers with the protocol it was spoken to in, and the body.
func protoEcho() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %s", r.Proto, r.URL.Path, body)
	})
}

func TestHTTP2ClientsAndOrigins(t *testing.T) {
	h2 := h2Origin(t, protoEcho())
	h1 := httptest.NewTLSServer(protoEcho())
	defer h1.Close()
	tp := startProxy(t, Config{RootCAs: poolOf(h1.Certificate())})

	origins := []struct {
		name, url, proto, alpn string
	}{
		{"h2 origin", h2.URL, "HTTP/2.0", "h2"},
		{"HTTP/1.1 origin", h1.URL, "HTTP/1.1", "http/1.1"},
	}
	clients := []struct {
		name   string
		c      *http.Client
		proto  string
		alpn   string
		method string
	}{
		{"HTTP/1.1 client", tp.client(), "HTTP/1.1", "", http.MethodPost}, // offers no ALPN
		{"h2 client", tp.h2Client(), "HTTP/2.0", "h2", http.MethodPost},
	}
	for _, o := range origins {
		for _, c := range clients {
			t.Run(c.name+" to "+o.name, func(t *testing.T) {
				u := o.url + "/" + strings.ReplaceAll(c.name+"-"+o.name, " ", "_")
				res, err := c.c.Post(u, "text/plain", strings.NewReader("upload"))
				if err != nil {
					t.Fatal(err)
				}
				body, err := io.ReadAll(res.Body)
				res.Body.Close()
				if err != nil {
					t.Fatal(err)
				}
				if res.Proto != c.proto {
					t.Errorf("client spoke %s, want %s", res.Proto, c.proto)
				}
				want := o.proto + " " + strings.TrimPrefix(u, o.url) + " upload"
				if string(body) != want {
					t.Errorf("body %q, want %q", body, want)
				}
				f := tp.rec.wait(t, "for "+u, finalFor(u))
				if f.State != session.Done || f.Response == nil {
					t.Fatalf("flow: %v %+v", f.State, f.Err)
				}
				if f.Request.Proto != c.proto || f.Client.ALPN != c.alpn {
					t.Errorf("flow's client side: %s %q, want %s %q", f.Request.Proto, f.Client.ALPN, c.proto, c.alpn)
				}
				if f.Response.Proto != o.proto || f.Server.ALPN != o.alpn {
					t.Errorf("flow's origin side: %s %q, want %s %q", f.Response.Proto, f.Server.ALPN, o.proto, o.alpn)
				}
				if string(f.Request.Body.Data) != "upload" || string(f.Response.Body.Data) != want {
					t.Errorf("flow bodies: %q %q", f.Request.Body.Data, f.Response.Body.Data)
				}
			})
		}
	}
}

func TestHTTP2TrailersReachTheClient(t *testing.T) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "Grpc-Status")
		w.Header().Set("Content-Type", "application/grpc")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "message")
		w.Header().Set("Grpc-Status", "7")
		w.Header().Set(http.TrailerPrefix+"X-Late", "unannounced")
	})
	h2 := h2Origin(t, handler)
	h1 := httptest.NewTLSServer(handler) // chunked trailers
	defer h1.Close()
	tp := startProxy(t, Config{RootCAs: poolOf(h1.Certificate())})
	for _, o := range []*httptest.Server{h2, h1} {
		res, err := tp.h2Client().Get(o.URL + "/trailers")
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || string(body) != "message" || res.ProtoMajor != 2 {
			t.Fatalf("%s: %s %q %v", o.URL, res.Proto, body, err)
		}
		if got := res.Trailer.Get("Grpc-Status"); got != "7" {
			t.Errorf("%s: trailer Grpc-Status %q, want 7 (trailers %v)", o.URL, got, res.Trailer)
		}
		if got := res.Trailer.Get("X-Late"); got != "unannounced" {
			t.Errorf("%s: trailer X-Late %q (trailers %v)", o.URL, got, res.Trailer)
		}
		f := tp.rec.wait(t, "trailers", finalFor(o.URL+"/trailers"))
		if got := f.Response.Trailer; got.Get("Grpc-Status") != "7" || got.Get("X-Late") != "unannounced" {
			t.Errorf("%s: the flow records trailers %v", o.URL, got)
		}
	}
}

// A stream from an h2 origin reaches either kind of client chunk by chunk.
func TestHTTP2StreamsChunkByChunk(t *testing.T) {
	release := make(chan struct{}, 1)
	h2 := h2Origin(t, heldEvents(release, "last"))
	tp := startProxy(t, Config{RootCAs: poolOf(h2.Certificate())})
	for i, c := range []*http.Client{tp.h2Client(), tp.client()} {
		u := fmt.Sprintf("%s/events/%d", h2.URL, i)
		res, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(res.Body)
		// The origin holds the rest back until the first event has
		// arrived: were siphon to buffer the stream, this read would never
		// return (the client's timeout would fail the test).
		line, err := br.ReadString('\n')
		if err != nil || line != "data: first\n" {
			t.Fatalf("%s first event: %q %v", res.Proto, line, err)
		}
		f := tp.rec.wait(t, "streaming", func(f *session.Flow) bool {
			return f.Request != nil && f.Request.URL == u && f.Response != nil
		})
		if f.State != session.Pending {
			t.Errorf("stream's flow is %v before its end", f.State)
		}
		release <- struct{}{}
		rest, err := io.ReadAll(br)
		res.Body.Close()
		if err != nil || string(rest) != "\ndata: last\n\n" {
			t.Fatalf("%s rest: %q %v", res.Proto, rest, err)
		}
		f = tp.rec.wait(t, "stream done", finalFor(u))
		if string(f.Response.Body.Data) != "data: first\n\ndata: last\n\n" || f.Response.Proto != "HTTP/2.0" || f.Request.Proto != res.Proto {
			t.Errorf("flow: %s %s %q", f.Request.Proto, f.Response.Proto, f.Response.Body.Data)
		}
	}
}

func TestHTTP2MockAndDrop(t *testing.T) {
	dialer := &noDNS{}
	e := rulesEngine(t, intercept.Config{}, `
- name: api
  match: ~d api.invalid & !~u /drop
  mock:
    status: 201
    headers: {X-Mock: "yes"}
    body: mocked
- name: gone
  match: ~u /drop
  block: drop
`)
	tp := startProxy(t, Config{Decider: e, DialContext: dialer.DialContext})
	c := tp.h2Client()

	res, err := c.Post("https://api.invalid/items", "text/plain", strings.NewReader("sent"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 201 || string(body) != "mocked" || res.Header.Get("X-Mock") != "yes" || res.ProtoMajor != 2 {
		t.Fatalf("mock: %s %d %q %v", res.Proto, res.StatusCode, body, res.Header)
	}
	f := tp.rec.wait(t, "mocked", finalFor("https://api.invalid/items"))
	if f.Source != session.Mock || f.State != session.Done || f.Request.Proto != "HTTP/2.0" || f.Response.Proto != "HTTP/2.0" || string(f.Request.Body.Data) != "sent" {
		t.Errorf("mocked flow: %v %v %s %q %+v", f.Source, f.State, f.Request.Proto, f.Request.Body.Data, f.Err)
	}
	if dialer.dialed("api.invalid") {
		t.Error("siphon dialed the mocked host")
	}

	if _, err := c.Get("https://api.invalid/drop"); err == nil {
		t.Fatal("a dropped h2 request got an answer")
	}
	f = tp.rec.wait(t, "dropped", finalFor("https://api.invalid/drop"))
	if f.State != session.Failed || f.Err == nil || f.Err.Phase != session.PhaseIntercept {
		t.Errorf("dropped flow: %v %+v", f.State, f.Err)
	}
	// The connection's other streams are unharmed.
	res, err = c.Get("https://api.invalid/again")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 201 {
		t.Errorf("after a drop: %d", res.StatusCode)
	}
}

// An idle HTTP/2 client connection does not hold shutdown up: it gets a
// GOAWAY and closes.
func TestHTTP2ShutdownWithIdleConnection(t *testing.T) {
	h2 := h2Origin(t, protoEcho())
	tp := startProxy(t, Config{RootCAs: poolOf(h2.Certificate())})
	res, err := tp.h2Client().Get(h2.URL + "/idle")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.ProtoMajor != 2 {
		t.Fatalf("client spoke %s", res.Proto)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tp.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with an idle h2 connection: %v", err)
	}
}
