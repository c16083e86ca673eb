package breakpoint

import (
	"net/http"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

func req(method, url string, h http.Header, body string) *session.Request {
	if h == nil {
		h = http.Header{}
	}
	return &session.Request{Method: method, URL: url, Proto: "HTTP/1.1", Header: h,
		Body: session.Body{Data: []byte(body), Size: int64(len(body))}}
}

func resp(status int, ct string, body []byte) *session.Response {
	h := http.Header{"Content-Type": {ct}, "Date": {"Sat, 14 Mar 2026 09:26:53 GMT"}}
	return &session.Response{Status: status, Reason: http.StatusText(status), Proto: "HTTP/1.1", Header: h,
		Body: session.Body{Data: body, Size: int64(len(body))}}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
