package testutil

import (
	"net/http"
	"slices"
	"testing"
)

func TestSameRequest(t *testing.T) {
	want := Request{Method: "POST", URL: "http://a.test/x", Body: []byte("body"),
		Header: http.Header{"Content-Type": {"text/plain"}, "X-A": {"1", "2"}}}
	with := func(change func(*Request)) Request {
		r := want
		r.Header = want.Header.Clone()
		change(&r)
		return r
	}
	for _, tc := range []struct {
		name   string
		got    Request
		ignore []string
		errors []string
	}{
		{name: "same", got: with(func(*Request) {})},
		{name: "hop-by-hop headers differ", got: with(func(r *Request) {
			r.Header.Set("Connection", "close")
			r.Header.Set("Proxy-Authorization", "Basic eDp5")
		})},
		{name: "ignored header differs", got: with(func(r *Request) { r.Header.Set("User-Agent", "curl") }), ignore: []string{"User-Agent"}},
		{name: "everything differs", got: with(func(r *Request) {
			r.Method, r.URL, r.Body = "PUT", "https://a.test/x", []byte("other")
			r.Header["X-A"] = []string{"2", "1"}
			r.Header.Set("X-Extra", "e")
		}), errors: []string{
			`x: method "PUT", want "POST"`,
			"x: URL\n \"https://a.test/x\"\nwant \"http://a.test/x\"",
			`x: header X-A = ["2" "1"], want ["1" "2"]`,
			`x: extra header X-Extra: ["e"]`,
			`x: body 5 bytes "other", want 4 bytes "body"`,
		}},
		{name: "missing header", got: with(func(r *Request) { r.Header.Del("Content-Type") }), errors: []string{
			`x: header Content-Type = [], want ["text/plain"]`,
		}},
	} {
		r := &recorder{TB: t}
		SameRequest(r, "x", tc.got, want, tc.ignore...)
		if !slices.Equal(r.errors, tc.errors) {
			t.Errorf("%s: errors\n%q\nwant\n%q", tc.name, r.errors, tc.errors)
		}
	}
}
