package replay

import (
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/session"
)

// recorded is a finished flow as a session would hold it, answered with
// body.
func recorded(method, url, reqBody, body string, h ...string) *session.Flow {
	q := &session.Request{Method: method, URL: url, Proto: "HTTP/1.1", Header: http.Header{},
		Body: session.Body{Data: []byte(reqBody), Size: int64(len(reqBody))}}
	for i := 0; i+1 < len(h); i += 2 {
		q.Header.Add(h[i], h[i+1])
	}
	return &session.Flow{State: session.Done, Kind: session.HTTP, Request: q,
		Response: &session.Response{Status: 200, Reason: "OK", Proto: "HTTP/1.1",
			Header: http.Header{"Content-Type": {"text/plain"}}, Body: session.Body{Data: []byte(body), Size: int64(len(body))}}}
}

func newStore(t *testing.T, flows ...*session.Flow) *session.Store {
	t.Helper()
	s, err := session.Open(filepath.Join(t.TempDir(), "s.db"), session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, f := range flows {
		s.Add(f)
	}
	if err := s.Flush(); err != nil { // bodies now come from the file
		t.Fatal(err)
	}
	return s
}

func req(method, url, body string, h ...string) *session.Request {
	return recorded(method, url, body, "", h...).Request
}

// answer looks q up and returns the body served, or the miss.
func answer(t *testing.T, s *Server, q *session.Request) (string, *Miss) {
	t.Helper()
	f, err := s.Lookup(q)
	var miss *Miss
	if errors.As(err, &miss) {
		return "", miss
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(f.Response.Body.Data), nil
}

func TestServerMatchesMethodAndURL(t *testing.T) {
	failed := recorded("GET", "http://a.test/down", "", "")
	failed.Err, failed.State = &session.Error{Phase: session.PhaseDial, Msg: "refused"}, session.Failed
	tunnel := recorded("CONNECT", "a.test:443", "", "")
	tunnel.Kind = session.Tunnel
	st := newStore(t,
		recorded("GET", "http://a.test/items?x=1&y=2", "", "first"),
		recorded("GET", "http://a.test/items?x=1&y=2", "", "second"),
		recorded("POST", "http://a.test/items", "{}", "created"),
		recorded("GET", "https://a.test/items?x=1&y=2", "", "secure"),
		failed, tunnel,
		recorded("GET", "http://a.test/down", "", "later it worked"),
	)
	s, err := NewServer(st, nil, Match{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 5 {
		t.Fatalf("Len = %d, want 5 (failed flows and tunnels left out)", s.Len())
	}
	// Identical requests get the recorded responses in order, then the
	// last one again. Query order, host case and default port do not count.
	for i, want := range []string{"first", "second", "second", "second"} {
		url := []string{"http://a.test/items?x=1&y=2", "http://A.TEST:80/items?y=2&x=1"}[i%2]
		if got, miss := answer(t, s, req("GET", url, "")); got != want {
			t.Errorf("request %d: served %q (miss %v), want %q", i, got, miss, want)
		}
	}
	// The body does not count by default.
	if got, _ := answer(t, s, req("POST", "http://a.test/items", `{"other":1}`)); got != "created" {
		t.Errorf("POST served %q", got)
	}
	if got, _ := answer(t, s, req("GET", "https://a.test:443/items?x=1&y=2", "")); got != "secure" {
		t.Errorf("https served %q", got)
	}
	if got, _ := answer(t, s, req("GET", "http://a.test/down", "")); got != "later it worked" {
		t.Errorf("failed flow served: %q", got)
	}
	s.Reset()
	if got, _ := answer(t, s, req("GET", "http://a.test/items?x=1&y=2", "")); got != "first" {
		t.Errorf("after Reset served %q", got)
	}
}

func TestServerMissNamesNearest(t *testing.T) {
	st := newStore(t,
		recorded("GET", "http://a.test/users/1?page=1", "", "u1"),
		recorded("GET", "http://a.test/orders?page=1", "", "o1"),
		recorded("GET", "http://b.test/users/1?page=2", "", "b"),
	)
	s, _ := NewServer(st, nil, Match{})
	cases := []struct {
		method, url string
		nearest     string
		diffs       []string
	}{
		{"GET", "http://a.test/users/1?page=2", "#1 GET http://a.test/users/1?page=1", []string{`query "page=2", recorded "page=1"`}},
		{"DELETE", "http://a.test/orders?page=1", "#2 GET http://a.test/orders?page=1", []string{"method DELETE, recorded GET"}},
		{"GET", "http://a.test/users/2?page=1", "#1 GET", []string{"path /users/2, recorded /users/1"}},
		{"GET", "https://b.test/users/1?page=2", "#3 GET", []string{"scheme https, recorded http"}},
	}
	for _, tc := range cases {
		_, miss := answer(t, s, req(tc.method, tc.url, ""))
		if miss == nil {
			t.Fatalf("%s %s matched", tc.method, tc.url)
		}
		msg := miss.Error()
		if !strings.Contains(msg, "no recorded response for "+tc.method+" "+tc.url) || !strings.Contains(msg, "nearest is "+tc.nearest) {
			t.Errorf("miss message %q, want nearest %q", msg, tc.nearest)
		}
		if fmt.Sprint(miss.Diffs) != fmt.Sprint(tc.diffs) {
			t.Errorf("%s %s: diffs %q, want %q", tc.method, tc.url, miss.Diffs, tc.diffs)
		}
	}
	empty, _ := NewServer(newStore(t), nil, Match{})
	if _, miss := answer(t, empty, req("GET", "http://a.test/", "")); miss == nil || !strings.Contains(miss.Error(), "no responses to replay") {
		t.Errorf("empty session miss: %v", miss)
	}
}

func TestServerStrictMatch(t *testing.T) {
	st := newStore(t,
		recorded("POST", "http://a.test/q", `{"a":1}`, "one", "X-Api-Key", "k1"),
		recorded("POST", "http://a.test/q", `{"a":2}`, "two", "X-Api-Key", "k1"),
		recorded("POST", "http://a.test/q", `{"a":1}`, "one for k2", "X-Api-Key", "k2"),
	)
	m, err := ParseMatch("body,headers:x-api-key")
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewServer(st, nil, m)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := answer(t, s, req("POST", "http://a.test/q", `{"a":2}`, "X-Api-Key", "k1")); got != "two" {
		t.Errorf("served %q, want two", got)
	}
	if got, _ := answer(t, s, req("POST", "http://a.test/q", `{"a":1}`, "X-Api-Key", "k2")); got != "one for k2" {
		t.Errorf("served %q, want one for k2", got)
	}
	// Bodies compare decoded: a gzip upload of the same JSON matches.
	if got, _ := answer(t, s, req("POST", "http://a.test/q", string(testutil.Gzip(`{"a":1}`)), "X-Api-Key", "k1", "Content-Encoding", "gzip")); got != "one" {
		t.Errorf("gzip body served %q, want one", got)
	}
	_, miss := answer(t, s, req("POST", "http://a.test/q", `{"a":3}`, "X-Api-Key", "k3"))
	if miss == nil {
		t.Fatal("a different body and key matched")
	}
	if want := `header X-Api-Key "k3", recorded "k1"; body differs (7 bytes, recorded 7)`; strings.Join(miss.Diffs, "; ") != want {
		t.Errorf("diffs %q, want %q", miss.Diffs, want)
	}
	if !strings.Contains(miss.Error(), "(matching method,url,body,headers:X-Api-Key)") {
		t.Errorf("miss does not say what was compared: %s", miss)
	}
}

func TestParseMatch(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{"", "method,url", ""},
		{"method,url", "method,url", ""},
		{"body", "method,url,body", ""},
		{" body , headers:accept,headers:X-Api-Key ", "method,url,body,headers:Accept,headers:X-Api-Key", ""},
		{"headers:", "", "want headers:NAME"},
		{"headers:bad name", "", "want headers:NAME"},
		{"bogus", "", `"bogus": unknown item`},
		{":x", "", "want body or headers:NAME"},
	} {
		m, err := ParseMatch(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseMatch(%q) error %v, want %q", tc.in, err, tc.err)
		case tc.err == "" && (err != nil || m.String() != tc.want):
			t.Errorf("ParseMatch(%q) = %s, %v; want %s", tc.in, m, err, tc.want)
		}
	}
}

// TestServerConcurrentLookups serves one key from many goroutines: each
// recorded response is served once, then the last one to everyone else.
func TestServerConcurrentLookups(t *testing.T) {
	st := newStore(t,
		recorded("GET", "http://a.test/n", "", "1"),
		recorded("GET", "http://a.test/n", "", "2"),
		recorded("GET", "http://a.test/n", "", "3"),
	)
	s, _ := NewServer(st, nil, Match{})
	var mu sync.Mutex
	counts := map[string]int{}
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := s.Lookup(req("GET", "http://a.test/n", ""))
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			counts[string(f.Response.Body.Data)]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if counts["1"] != 1 || counts["2"] != 1 || counts["3"] != 48 {
		t.Errorf("served %v, want 1 and 2 once, 3 to the other 48", counts)
	}
}
