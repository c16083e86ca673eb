package mitm

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
)

func TestMockAnswersForAHostThatDoesNotResolve(t *testing.T) {
	dialer := &noDNS{}
	e := rulesEngine(t, intercept.Config{}, `
- name: users
  match: ~d api.invalid & ~u /users
  mock:
    status: 201
    headers: {X-Mock: "yes"}
    file: users.json
    delay: 50ms
- name: echo
  match: ~d api.invalid & ~m POST
  mock: {body: posted}
`, "users.json", `[{"id":1}]`)
	tp := startProxy(t, Config{Decider: e, DialContext: dialer.DialContext})
	c := tp.client()

	for _, base := range []string{"http://api.invalid", "https://api.invalid"} {
		url := base + "/users?page=1"
		r := mustOK(t, get(c, url))
		if r.status != 201 || r.body != `[{"id":1}]` || r.header.Get("X-Mock") != "yes" || r.header.Get("Content-Type") != "application/json" {
			t.Errorf("GET %s: %d %q %v", url, r.status, r.body, r.header)
		}
		f := tp.rec.wait(t, url, finalFor(url))
		if f.State != session.Done || f.Source != session.Mock || f.Err != nil || f.Response.Status != 201 || string(f.Response.Body.Data) != `[{"id":1}]` {
			t.Errorf("flow %s: state %v source %v err %v response %+v", url, f.State, f.Source, f.Err, f.Response)
		}
		if !strings.Contains(f.Comment, `mocked by rule "users"`) {
			t.Errorf("flow comment %q", f.Comment)
		}
		if got := session.Span(f.Timings.RequestReceived, f.Timings.FirstByte); got < 50*time.Millisecond {
			t.Errorf("mock delay not waited: first byte after %v", got)
		}

		// A mocked POST's body is read and recorded, and the connection
		// stays usable for the next request.
		post := base + "/items"
		req, _ := http.NewRequest("POST", post, strings.NewReader("some body"))
		if r := mustOK(t, fetch(c, req)); r.body != "posted" {
			t.Errorf("POST %s: %q", post, r.body)
		}
		f = tp.rec.wait(t, post, finalFor(post))
		if string(f.Request.Body.Data) != "some body" {
			t.Errorf("mocked POST recorded body %q", f.Request.Body.Data)
		}
		if r := mustOK(t, get(c, url)); r.status != 201 {
			t.Errorf("keep-alive after a mocked POST: %d", r.status)
		}
	}
	if dialer.dialed("api.invalid") {
		t.Error("siphon dialed the mocked host")
	}
	if hits := e.Rules()[0].Hits; hits != 4 {
		t.Errorf("hits %d, want 4", hits)
	}
}

func TestMapRemoteSendsToAnotherServer(t *testing.T) {
	seen := make(chan string, 4)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Host + " " + r.URL.RequestURI()
		fmt.Fprint(w, "from the other server")
	})
	plain := httptest.NewServer(handler)
	defer plain.Close()
	secure := httptest.NewTLSServer(handler)
	defer secure.Close()
	e := rulesEngine(t, intercept.Config{}, fmt.Sprintf(`
- name: to plain
  match: ~d api.invalid
  map-remote: %s/v2
- name: to tls
  match: ~d secure.invalid
  map-remote: %s
`, plain.URL, secure.URL))
	dialer := &noDNS{}
	tp := startProxy(t, Config{Decider: e, DialContext: dialer.DialContext, RootCAs: poolOf(secure.Certificate())})
	c := tp.client()

	cases := []struct{ url, target, want string }{
		{"http://api.invalid/users?x=1", plain.URL, strings.TrimPrefix(plain.URL, "http://") + " /v2/users?x=1"},
		{"https://api.invalid/a%2Fb", plain.URL, strings.TrimPrefix(plain.URL, "http://") + " /v2/a%2Fb"},
		{"http://secure.invalid/s", secure.URL, strings.TrimPrefix(secure.URL, "https://") + " /s"},
	}
	for _, tc := range cases {
		r := mustOK(t, get(c, tc.url))
		if r.status != 200 || r.body != "from the other server" {
			t.Errorf("%s: %d %q", tc.url, r.status, r.body)
		}
		if got := <-seen; got != tc.want {
			t.Errorf("%s reached the server as %q, want %q", tc.url, got, tc.want)
		}
		f := tp.rec.wait(t, tc.url, func(f *session.Flow) bool {
			return f.Original != nil && f.Original.URL == tc.url && f.State == session.Done
		})
		if !strings.HasPrefix(f.Request.URL, tc.target) || f.Source != session.Live {
			t.Errorf("flow: request %s source %v", f.Request.URL, f.Source)
		}
	}
	if dialer.dialed(".invalid") {
		t.Error("siphon dialed the original host")
	}
}

func TestRewriteHeadersStatusAndBody(t *testing.T) {
	var seenCookie, seenDebug atomic.Value
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seenCookie.Store(r.Header.Get("Cookie"))
		seenDebug.Store(r.Header.Get("X-Debug"))
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Server", "origin")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		fmt.Fprintf(zw, `{"price":42,"currency":"USD","sent":%q}`, body)
		zw.Close()
	}))
	defer origin.Close()
	e := rulesEngine(t, intercept.Config{}, `
- name: request
  match: ~m POST
  rewrite:
    request:
      set-headers: {X-Debug: "1"}
      remove-headers: [Cookie]
      body-replace: [{regex: secret, replace: "[redacted]"}]
- name: response
  match: ~c 200
  rewrite:
    response:
      status: 203
      set-headers: {X-Rewritten: "yes"}
      remove-headers: [Server]
      body-replace:
        - {regex: '"price":\d+', replace: '"price":0'}
`)
	tp := startProxy(t, Config{Decider: e})
	req, _ := http.NewRequest("POST", origin.URL+"/cart", strings.NewReader("my secret"))
	req.Header.Set("Cookie", "session=1")
	req.Header.Set("Accept-Encoding", "gzip")
	// The test reads the raw bytes: Go's transport must not decode.
	tr := tp.client().Transport.(*http.Transport)
	tr.DisableCompression = true
	r := mustOK(t, fetch(&http.Client{Transport: tr}, req))
	if seenCookie.Load() != "" || seenDebug.Load() != "1" {
		t.Errorf("origin saw Cookie %q X-Debug %q", seenCookie.Load(), seenDebug.Load())
	}
	want := `{"price":0,"currency":"USD","sent":"my [redacted]"}`
	if r.status != 203 || r.body != want || r.header.Get("X-Rewritten") != "yes" || r.header.Get("Server") != "" || r.header.Get("Content-Encoding") != "" {
		t.Errorf("client got %d %q %v", r.status, r.body, r.header)
	}
	f := tp.rec.wait(t, "rewritten", finalFor(origin.URL+"/cart"))
	if f.Original == nil || string(f.Original.Body.Data) != "my secret" || f.Original.Header.Get("Cookie") != "session=1" {
		t.Errorf("original request: %+v", f.Original)
	}
	if string(f.Request.Body.Data) != "my [redacted]" || f.Request.Header.Get("X-Debug") != "1" {
		t.Errorf("sent request: %+v", f.Request)
	}
	if f.Response.Status != 203 || string(f.Response.Body.Data) != want {
		t.Errorf("recorded response: %d %q", f.Response.Status, f.Response.Body.Data)
	}
}

func TestBlockWithStatusAndDrop(t *testing.T) {
	var hits atomic.Int64
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer origin.Close()
	e := rulesEngine(t, intercept.Config{}, `
- name: forbidden
  match: ~u /ads
  block: 451
- name: gone
  match: ~u /tracker
  block: drop
`)
	tp := startProxy(t, Config{Decider: e})
	c := tp.client()

	r := mustOK(t, get(c, origin.URL+"/ads"))
	if r.status != 451 || !strings.Contains(r.body, `blocked by rule "forbidden"`) {
		t.Errorf("blocked: %d %q", r.status, r.body)
	}
	f := tp.rec.wait(t, "blocked", finalFor(origin.URL+"/ads"))
	if f.Source != session.Mock || f.Response.Status != 451 {
		t.Errorf("blocked flow: %+v", f)
	}

	if r := await(t, get(c, origin.URL+"/tracker")); r.err == nil {
		t.Errorf("dropped request got a response: %d %q", r.status, r.body)
	}
	f = tp.rec.wait(t, "dropped", finalFor(origin.URL+"/tracker"))
	if f.State != session.Failed || f.Err == nil || f.Err.Phase != session.PhaseIntercept || !strings.Contains(f.Err.Msg, `dropped by rule "gone"`) {
		t.Errorf("dropped flow: state %v err %+v", f.State, f.Err)
	}
	if hits.Load() != 0 {
		t.Errorf("origin was contacted %d times", hits.Load())
	}
	assertStillServes(t, tp)
}

func TestMockOnlyRefusesUnmatchedRequests(t *testing.T) {
	dialer := &noDNS{}
	e := rulesEngine(t, intercept.Config{MockOnly: true}, `
- name: weather
  match: ~d weather.invalid & ~u /forecast
  mock: {body: sunny}
- name: users
  match: ~d api.invalid & ~u /v1/users
  mock: {body: "[]"}
`)
	tp := startProxy(t, Config{Decider: e, DialContext: dialer.DialContext})
	c := tp.client()
	if r := mustOK(t, get(c, "https://weather.invalid/forecast")); r.body != "sunny" {
		t.Errorf("mocked: %q", r.body)
	}
	url := "https://api.invalid/v2/users"
	r := mustOK(t, get(c, url))
	if r.status != 502 || !strings.Contains(r.body, `closest rule: "users"`) {
		t.Errorf("unmatched under --mock-only: %d %q", r.status, r.body)
	}
	f := tp.rec.wait(t, url, finalFor(url))
	if f.State != session.Failed || f.Err == nil || f.Err.Phase != session.PhaseIntercept || f.Response == nil || f.Response.Status != 502 {
		t.Errorf("refused flow: state %v err %+v", f.State, f.Err)
	}
	if len(dialer.dials) != 0 {
		t.Errorf("siphon dialed %v under --mock-only", dialer.dials)
	}
}

func TestLargeBodyRewriteStreamsTheRest(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 3<<20)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(big) }))
	defer origin.Close()
	e := rulesEngine(t, intercept.Config{}, `
- name: replace
  match: ~all
  rewrite: {response: {body-replace: [{regex: x, replace: y}], set-headers: {X-Seen: "1"}}}
`)
	tp := startProxy(t, Config{Decider: e, BodyLimit: 1 << 20})
	r := mustOK(t, get(tp.client(), origin.URL+"/big"))
	if len(r.body) != len(big) || r.body != string(big) || r.header.Get("X-Seen") != "1" {
		t.Errorf("body beyond the capture limit: %d bytes, header %v", len(r.body), r.header)
	}
	f := tp.rec.wait(t, "big", finalFor(origin.URL+"/big"))
	if !strings.Contains(f.Comment, "body not replaced") || !f.Response.Body.Truncated {
		t.Errorf("flow: comment %q truncated %v", f.Comment, f.Response.Body.Truncated)
	}
}

func TestRewriteLeavesBodilessResponsesAlone(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1234")
		if r.Method != http.MethodHead {
			w.Write(bytes.Repeat([]byte("a"), 1234))
		}
	}))
	defer origin.Close()
	e := rulesEngine(t, intercept.Config{}, `
- name: replace
  match: ~all
  rewrite: {response: {body-replace: [{regex: a, replace: b}], set-headers: {X-Seen: "1"}}}
`)
	tp := startProxy(t, Config{Decider: e})
	req, _ := http.NewRequest(http.MethodHead, origin.URL+"/head", nil)
	res, err := tp.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.ContentLength != 1234 || res.Header.Get("X-Seen") != "1" {
		t.Errorf("HEAD: Content-Length %d, X-Seen %q", res.ContentLength, res.Header.Get("X-Seen"))
	}
	if r := mustOK(t, get(tp.client(), origin.URL+"/get")); r.body != strings.Repeat("b", 1234) {
		t.Errorf("GET body %q", r.body)
	}
}
