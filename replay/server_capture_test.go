package replay

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// TestServerAnswersCapturedRequests records a session through the proxy
// against HTTP and HTTPS origins, stops the origins, and sends the same
// requests again: the requests siphon records then (which fail, the
// origins being gone) are what the proxy would hand to a Server, and each
// must get the response the client received the first time.
func TestServerAnswersCapturedRequests(t *testing.T) {
	plain, secure := newEchoOrigin(t, false), newEchoOrigin(t, true)
	c := startCapture(t, plain, secure)
	reqs := []original{
		{method: "GET", path: "/a?x=1&q=%20"},
		{method: "POST", path: "/b", headers: [][2]string{{"Content-Type", "application/json"}}, body: []byte(`{"k":1}`)},
	}
	type got struct {
		status int
		body   []byte
	}
	var first []got
	for _, o := range []*echoOrigin{plain, secure} {
		for _, r := range reqs {
			res := roundTrip(t, c.client(), o.URL, r)
			first = append(first, res)
			o.next(t)
		}
	}
	c.waitFlows(t, 4, isSource(session.Live))
	s, err := NewServer(c.store, nil, Match{Body: true})
	if err != nil {
		t.Fatal(err)
	}
	plain.Close()
	secure.Close()

	i := 0
	for _, o := range []*echoOrigin{plain, secure} {
		for _, r := range reqs {
			roundTrip(t, c.client(), o.URL, r) // 502: the origin is gone
			again := c.waitFlows(t, 1, func(f *session.Flow) bool {
				return f.State == session.Failed && f.Request.URL == o.URL+r.path && f.Request.Method == r.method
			})[0]
			// The transport never read the body (the dial failed), so it
			// was not captured; the proxy's hook reads it before Lookup.
			q := again.Request
			q.Body = session.Body{Data: r.body, Size: int64(len(r.body))}
			rec, err := s.Lookup(q)
			if err != nil {
				t.Fatalf("%s %s: %v", r.method, again.Request.URL, err)
			}
			if rec.Response.Status != first[i].status || !bytes.Equal(rec.Response.Body.Data, first[i].body) {
				t.Errorf("%s %s: served %d %q, client got %d %q", r.method, again.Request.URL,
					rec.Response.Status, rec.Response.Body.Data, first[i].status, first[i].body)
			}
			i++
		}
	}
}

func roundTrip(t *testing.T, rt http.RoundTripper, base string, r original) struct {
	status int
	body   []byte
} {
	t.Helper()
	req, err := http.NewRequest(r.method, base+r.path, bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range r.headers {
		req.Header.Add(h[0], h[1])
	}
	res, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return struct {
		status int
		body   []byte
	}{res.StatusCode, body}
}
