package testutil

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The origin records what a real client sent, over HTTP and HTTPS, and
// answers with the test's handler.
func TestRecordingOrigin(t *testing.T) {
	answer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "answered "+r.Method) })
	for _, secure := range []bool{false, true} {
		o := NewRecordingOrigin(t, secure, answer)
		o.NoRequest(t, "nothing was sent yet")
		roots := x509.NewCertPool()
		if secure {
			roots.AddCert(o.Certificate())
		}
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
		res, err := c.Post(o.URL+"/upload?x=1", "text/plain", strings.NewReader("the body"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		c.CloseIdleConnections()
		if string(b) != "answered POST" {
			t.Errorf("answer %q, want the handler's", b)
		}
		got := o.Next(t)
		if got.Method != "POST" || got.URL != o.URL+"/upload?x=1" || got.Header.Get("Content-Type") != "text/plain" || string(got.Body) != "the body" {
			t.Errorf("recorded %+v", got)
		}
		r := &recorder{TB: t}
		o.NoRequest(r, "one request was sent and taken")
		if r.failed != "" {
			t.Errorf("NoRequest after Next: %s", r.failed)
		}
	}
}

// NoRequest fails on a request nobody took.
func TestRecordingOriginNoRequest(t *testing.T) {
	o := NewRecordingOrigin(t, false, http.NotFoundHandler())
	res, err := http.Get(o.URL + "/unexpected")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	r := &recorder{TB: t}
	o.NoRequest(r, "the test sent nothing")
	if want := "the test sent nothing, but the origin received GET " + o.URL + "/unexpected"; r.failed != want {
		t.Errorf("NoRequest failed with %q, want %q", r.failed, want)
	}
}
