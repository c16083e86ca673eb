package mitm

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/session"
	"golang.org/x/net/http2"
)

// headerEcho answers with the request headers it got, one "Name: value"
// line each, after naming a connection-specific header of its own.
func headerEcho() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "X-Bar")
		w.Header().Set("X-Bar", "hop")
		w.Header().Set("Keep-Alive", "timeout=5")
		fmt.Fprintf(w, "Host: %s\r\n", r.Host)
		r.Header.Write(w)
	})
}

// Connection-specific headers (RFC 9113 §8.2.2) never cross siphon, in
// either direction, whatever protocol each side speaks: an HTTP/1.1
// client's "Connection: keep-alive, X-Foo" would otherwise fail the
// request to an h2 origin (Go's HTTP/2 transport refuses it), and an
// HTTP/1.1 origin's would break an h2 client's stream.
func TestConnectionHeadersStripped(t *testing.T) {
	h2 := h2Origin(t, headerEcho())
	h1 := httptest.NewTLSServer(headerEcho())
	defer h1.Close()
	tp := startProxy(t, Config{RootCAs: poolOf(h1.Certificate())})
	for _, o := range []*httptest.Server{h2, h1} {
		for i, c := range []*http.Client{tp.client(), tp.h2Client()} {
			u := fmt.Sprintf("%s/hop/%d", o.URL, i)
			req, _ := http.NewRequest(http.MethodGet, u, nil)
			if i == 0 { // an h2 client cannot send these: Go's refuses to
				req.Header.Set("Connection", "keep-alive, X-Foo")
				req.Header.Set("X-Foo", "hop")
				req.Header.Set("Keep-Alive", "timeout=5")
				req.Header.Set("Te", "trailers, deflate")
			}
			req.Header.Set("X-End", "kept")
			res, err := c.Do(req)
			if err != nil {
				t.Fatalf("%s: %v", u, err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			got := string(body)
			if res.StatusCode != 200 || !strings.Contains(got, "X-End: kept") {
				t.Fatalf("%s via %s: %d %q", o.URL, res.Proto, res.StatusCode, body)
			}
			// :authority is the host, both ways of conversion.
			if want := "Host: " + strings.TrimPrefix(o.URL, "https://") + "\r\n"; !strings.HasPrefix(got, want) {
				t.Errorf("%s via %s: the origin got %q, want %q", o.URL, res.Proto, got, want)
			}
			if i == 0 && !strings.Contains(got, "Te: trailers\r\n") {
				t.Errorf("%s via %s: the origin did not get TE: trailers:\n%s", o.URL, res.Proto, got)
			}
			for _, k := range []string{"X-Foo", "Keep-Alive", "Connection"} {
				if res.ProtoMajor == 1 && strings.Contains(got, k+":") {
					t.Errorf("%s via %s: the origin got %s:\n%s", o.URL, res.Proto, k, got)
				}
			}
			// (Go's h2 origin drops its own Connection header, so its
			// X-Bar is an ordinary header.)
			if res.ProtoMajor == 2 && o == h1 {
				for _, k := range []string{"X-Bar", "Keep-Alive", "Connection"} {
					if v := res.Header.Get(k); v != "" {
						t.Errorf("%s via %s: the client got %s: %s (%v)", o.URL, res.Proto, k, v, res.Header)
					}
				}
			}
			f := tp.rec.wait(t, "hop "+u, finalFor(u))
			// The flow shows what the client sent.
			if f.State != session.Done || res.ProtoMajor == 1 && f.Request.Header.Get("Connection") != "keep-alive, X-Foo" {
				t.Errorf("flow: %v %+v %v", f.State, f.Err, f.Request.Header)
			}
		}
	}
}

// A rewrite that changes the length of a request body and of a response
// body sends the new length (or none) both ways, whatever protocol each
// side speaks: the origin and the client read the rewritten bodies whole.
func TestRewriteChangesLengthAcrossProtocols(t *testing.T) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		answer := fmt.Sprintf("got %d/%s %q %v", r.ContentLength, r.Header.Get("Content-Length"), body, err)
		w.Header().Set("Content-Length", fmt.Sprint(len(answer)))
		io.WriteString(w, answer)
	})
	h2 := h2Origin(t, handler)
	h1 := httptest.NewTLSServer(handler)
	defer h1.Close()
	e := rulesEngine(t, intercept.Config{}, `
- name: longer
  match: ~u /len
  rewrite:
    request: {body-replace: [{regex: 'short', replace: 'a good deal longer'}]}
    response: {body-replace: [{regex: 'got', replace: 'the origin got'}]}
`)
	tp := startProxy(t, Config{Decider: e, RootCAs: poolOf(h1.Certificate())})
	for _, o := range []*httptest.Server{h2, h1} {
		for i, c := range []*http.Client{tp.client(), tp.h2Client()} {
			u := fmt.Sprintf("%s/len/%d", o.URL, i)
			res, err := c.Post(u, "text/plain", strings.NewReader("short"))
			if err != nil {
				t.Fatalf("%s: %v", u, err)
			}
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			want := `the origin got 18/18 "a good deal longer" <nil>`
			if err != nil || string(body) != want {
				t.Errorf("%s via %s: %q %v, want %q", o.URL, res.Proto, body, err, want)
			}
			if res.ContentLength != -1 && res.ContentLength != int64(len(want)) {
				t.Errorf("%s via %s: Content-Length %d for a %d-byte body", o.URL, res.Proto, res.ContentLength, len(want))
			}
			f := tp.rec.wait(t, "rewritten "+u, finalFor(u))
			if f.State != session.Done || f.Original == nil || string(f.Request.Body.Data) != "a good deal longer" || string(f.Original.Body.Data) != "short" {
				t.Errorf("flow: %v %+v %q", f.State, f.Err, f.Request.Body.Data)
			}
		}
	}
}

// A stream the client resets before it has sent its whole request (here
// at once, after the headers) ends its flow with phase client, as one
// reset later does.
func TestHTTP2StreamResetBeforeItsBody(t *testing.T) {
	h2 := h2Origin(t, protoEcho())
	tp := startProxy(t, Config{RootCAs: poolOf(h2.Certificate())})
	target := strings.TrimPrefix(h2.URL, "https://")
	c := tp.rawH2(t, target, false)
	c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, EndHeaders: true,
		BlockFragment: c.block(":method", "POST", ":scheme", "https", ":authority", target, ":path", "/early")})
	c.fr.WriteRSTStream(1, http2.ErrCodeCancel)
	f := tp.rec.wait(t, "reset at once", finalFor(h2.URL+"/early"))
	if f.State != session.Failed || f.Err == nil || f.Err.Phase != session.PhaseClient {
		t.Errorf("flow of a stream reset before its body: %v %+v", f.State, f.Err)
	}
	c.get(3, target, "/next")
	if status, _ := c.status(3); status != "200" {
		t.Errorf("the connection's next stream: %q", status)
	}
}

// :authority is the host: an h2 client's stray host field does not reach
// the origin, nor change where the request goes.
func TestHTTP2AuthorityIsTheHost(t *testing.T) {
	seen := make(chan string, 1)
	h2 := h2Origin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Host + " [" + strings.Join(r.Header.Values("Host"), ",") + "]"
	}))
	tp := startProxy(t, Config{RootCAs: poolOf(h2.Certificate())})
	target := strings.TrimPrefix(h2.URL, "https://")
	c := tp.rawH2(t, target, false)
	c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, EndStream: true, EndHeaders: true,
		BlockFragment: c.block(":method", "GET", ":scheme", "https", ":authority", target, ":path", "/a", "host", "other.example")})
	if status, code := c.status(1); status != "200" {
		t.Fatalf("status %q, reset %v", status, code)
	}
	if got, want := testutil.Receive(t, seen, "the request"), target+" []"; got != want {
		t.Errorf("the origin saw host %q, want %q", got, want)
	}
}
