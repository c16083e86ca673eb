package replay

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// original is a request to send to the echo origin first, to learn what an
// origin sees of it.
type original struct {
	name    string
	method  string
	path    string // with query
	headers [][2]string
	body    []byte
}

func binaryBody() []byte {
	b := make([]byte, 0, 600)
	for i := range 600 {
		b = append(b, byte(i*7)) // every byte value, NUL, ' % \ and newlines included
	}
	return b
}

func originals() []original {
	json := []byte(`{"name":"siphon's test","tags":["a","b"],"n":1.5,"note":"100% \\ done\n"}`)
	return []original{
		{name: "json post", method: "POST", path: "/api/v1/items?q=a%20b&name=%E2%9C%93&slash=%2F%3D&empty=&flag",
			headers: [][2]string{{"Content-Type", "application/json"}, {"X-Request-Id", "abc-123"},
				{"Authorization", "Bearer tok'en"}, {"X-Multi", "one"}, {"X-Multi", "two"}, {"User-Agent", "test/1.0"},
				{"Accept", "application/json"}, {"X-Empty", ""}, {"Accept-Encoding", "gzip, br"}},
			body: json},
		{name: "binary put", method: "PUT", path: "/upload/blob.bin?v=1",
			headers: [][2]string{{"Content-Type", "application/octet-stream"}}, body: binaryBody()},
		{name: "binary without content type", method: "POST", path: "/raw", body: []byte("\x00\x01\x02\xff")},
		{name: "get without defaults", method: "GET", path: "/plain"},
		{name: "head", method: "HEAD", path: "/h", headers: [][2]string{{"User-Agent", "probe"}}},
		{name: "delete", method: "DELETE", path: "/items/7"},
		{name: "post with empty body", method: "POST", path: "/ping"}, // Go sends Content-Length: 0
		{name: "globs and dots", method: "GET", path: "/a/./b/../c?x=[1]&y={2}"},
		{name: "text starting with @", method: "POST", path: "/at", headers: [][2]string{{"Content-Type", "text/plain"}}, body: []byte("@/etc/passwd")},
		{name: "large text", method: "POST", path: "/big", headers: [][2]string{{"Content-Type", "text/plain"}},
			body: bytes.Repeat([]byte("large text body line\n"), 5000)},
		{name: "custom method", method: "PURGE", path: "/cache/key"},
		{name: "text like an option", method: "POST", path: "/dash", headers: [][2]string{{"Content-Type", "text/plain"}}, body: []byte("-v --data x")},
	}
}

// sendOriginal sends the request with a client that adds no header of its
// own, and returns what the origin saw.
func sendOriginal(t *testing.T, o *echoOrigin, r original) seen {
	t.Helper()
	sendVia(t, &http.Transport{DisableCompression: true}, o.URL, r)
	return o.next(t)
}

// sendVia sends r to base+r.path with rt.
func sendVia(t *testing.T, rt http.RoundTripper, base string, r original) {
	t.Helper()
	req, err := http.NewRequest(r.method, base+r.path, bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = http.Header{"User-Agent": {""}} // "" stops Go adding its own
	for _, h := range r.headers {
		if h[0] == "User-Agent" && req.Header.Get("User-Agent") == "" {
			req.Header.Del("User-Agent")
		}
		req.Header.Add(h[0], h[1])
	}
	if len(r.body) == 0 {
		req.Body, req.ContentLength = nil, 0
	}
	res, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
}

func TestCurlReproducesRequests(t *testing.T) {
	o := newEchoOrigin(t, false)
	for _, r := range originals() {
		t.Run(r.name, func(t *testing.T) {
			want := sendOriginal(t, o, r)
			f := seenAsFlow(want)
			for _, opts := range []ShellOptions{{}, {BodyFile: "body.bin"}} {
				c, err := CurlCommand(f, opts)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(c.Text, " -k") || strings.Contains(c.Text, "--insecure") {
					t.Errorf("curl command turns off TLS verification:\n%s", c.Text)
				}
				dir := t.TempDir()
				writeBodyFile(t, dir, c, "body.bin")
				runShell(t, dir, c.Text)
				// curl computes Content-Length itself, from the same bytes.
				sameRequest(t, "curl "+opts.BodyFile, o.next(t), want)
			}
		})
	}
}

func TestCurlCommandForm(t *testing.T) {
	f := &session.Flow{Kind: session.HTTP, Request: &session.Request{
		Method: "POST", URL: "https://api.test/x?a=1",
		Header: http.Header{"Content-Type": {"application/json"}, "Accept-Encoding": {"gzip"}, "Connection": {"keep-alive, X-Hop"},
			"X-Hop": {"1"}, "Content-Length": {"7"}, "User-Agent": {"ua"}, "Accept": {"*/*"}},
		Body: session.Body{Data: []byte(`{"a":1}`), Size: 7},
	}}
	got, err := Curl(f)
	if err != nil {
		t.Fatal(err)
	}
	want := `curl 'https://api.test/x?a=1' \
  -H 'Accept: */*' \
  -H 'Accept-Encoding: gzip' \
  -H 'Content-Type: application/json' \
  -H 'User-Agent: ua' \
  --compressed \
  --data-raw '{"a":1}'`
	if got != want {
		t.Errorf("curl command:\n%s\nwant:\n%s", got, want)
	}
	f.Request.Header.Del("Accept-Encoding")
	if got, _ := Curl(f); strings.Contains(got, "--compressed") {
		t.Errorf("--compressed without Accept-Encoding:\n%s", got)
	}
}

func TestCurlRefusesWhatItCannotReproduce(t *testing.T) {
	base := func() *session.Flow {
		return &session.Flow{Kind: session.HTTP, Request: &session.Request{Method: "POST", URL: "http://a.test/",
			Header: http.Header{}, Body: session.Body{Data: []byte("abc"), Size: 3}}}
	}
	cases := []struct {
		name string
		edit func(f *session.Flow)
		want error
		msg  string
	}{
		{"no request", func(f *session.Flow) { f.Request = nil }, ErrNoRequest, ""},
		{"truncated", func(f *session.Flow) { f.Request.Body.Size, f.Request.Body.Truncated = 100, true }, ErrTruncated, "3 of 100 bytes"},
		{"unloaded", func(f *session.Flow) { f.Request.Body.Unloaded = true }, ErrUnloaded, ""},
		{"tunnel", func(f *session.Flow) { f.Kind = session.Tunnel; f.Request.Method = "CONNECT" }, ErrNotHTTP, ""},
		{"websocket", func(f *session.Flow) { f.Kind = session.WebSocket }, ErrNotHTTP, ""},
		{"header injection", func(f *session.Flow) { f.Request.Header["X-Evil"] = []string{"a\r\nHost: b"} }, nil, "line break"},
		{"bad header name", func(f *session.Flow) { f.Request.Header["Bad Name"] = []string{"x"} }, nil, `"Bad Name"`},
		{"bad method", func(f *session.Flow) { f.Request.Method = "GET /x" }, nil, "not an HTTP token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := base()
			tc.edit(f)
			before := f.Clone()
			for _, export := range []func(*session.Flow) (string, error){Curl, HTTPie} {
				s, err := export(f)
				if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.msg) {
					t.Errorf("got %q, %v; want error %v containing %q", s, err, tc.want, tc.msg)
				}
			}
			if f.Request != nil && f.Request.Body.Size != before.Request.Body.Size {
				t.Error("export changed the flow")
			}
		})
	}
}

func TestQuoting(t *testing.T) {
	for in, want := range map[string]string{
		"plain-word_1.2:/x@y": "plain-word_1.2:/x@y",
		"":                    "''",
		"a b":                 "'a b'",
		"it's":                `'it'\''s'`,
		"$HOME `x` \"q\" !":   "'$HOME `x` \"q\" !'",
	} {
		if got := quote(in); got != want {
			t.Errorf("quote(%q) = %s, want %s", in, got, want)
		}
	}
	// printf's argument reproduces every byte value; checked by running it.
	data := binaryBody()
	out := runShell(t, t.TempDir(), "printf "+printfArg(data))
	if out != string(data) {
		t.Errorf("printf reproduced %q, want %q", clip([]byte(out)), clip(data))
	}
}
