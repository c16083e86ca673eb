package testutil

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// RecordingOrigin is a loopback origin server that keeps every request it
// receives, for a test to take in order with Next and compare with
// SameRequest: what a client, a replay or an exported command really sent.
type RecordingOrigin struct {
	*httptest.Server
	got chan Request
}

// NewRecordingOrigin starts a RecordingOrigin on 127.0.0.1, over TLS when
// tls is true (clients trust o.Certificate()), and closes it when the test
// ends. It reads each request's body in full and records the request
// before answer writes the response. Up to 1024 requests wait to be taken;
// a handler beyond that blocks until the test takes one.
func NewRecordingOrigin(t testing.TB, tls bool, answer http.Handler) *RecordingOrigin {
	t.Helper()
	o := &RecordingOrigin{got: make(chan Request, 1024)}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		o.got <- Request{Method: r.Method, URL: scheme + "://" + r.Host + r.RequestURI, Header: r.Header.Clone(), Body: body}
		answer.ServeHTTP(w, r)
	})
	if tls {
		o.Server = httptest.NewTLSServer(h)
	} else {
		o.Server = httptest.NewServer(h)
	}
	t.Cleanup(o.Close)
	return o
}

// Next returns the next request the origin received, waiting for it as
// Receive does.
func (o *RecordingOrigin) Next(t testing.TB) Request {
	t.Helper()
	return Receive(t, o.got, "request at the origin")
}

// NoRequest fails the test if the origin has received a request that Next
// has not taken; why says why none was expected. It does not wait: call
// it once the request that should not come would have arrived.
func (o *RecordingOrigin) NoRequest(t testing.TB, why string) {
	t.Helper()
	select {
	case s := <-o.got:
		t.Fatalf("%s, but the origin received %s %s", why, s.Method, s.URL)
	default:
	}
}
