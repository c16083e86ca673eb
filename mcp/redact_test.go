package mcp

import (
	"net/http"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

func TestRedactJSON(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"a":1}`, `{"a":1}`},
		{`{"Password" : "pw", "b": [1, {"x_token": 12345}]}`, `{"Password" : "[redacted …2 chars]", "b": [1, {"x_token": "[redacted …5 chars]"}]}`},
		{`[{"secret":{"k":"v"}},"token"]`, `[{"secret":"[redacted …9 chars]"},"token"]`},
		{`{"apiKey":"é€"}`, `{"apiKey":"[redacted …2 chars]"}`},
		{`{"v":"password","w":"x"}`, `{"v":"password","w":"x"}`}, // a value, not a name
		// Cut at the capture limit: redacted by pattern.
		{`{"user":"a","token":"abcd","more":[1,2`, `{"user":"a","token":"[redacted …4 chars]","more":[1,2`},
		{`{"user":"a","token":"abc`, `{"user":"a","token":"[redacted …3 chars]"`},
	} {
		got, _ := redactJSON([]byte(c.in))
		if string(got) != c.want {
			t.Errorf("redactJSON(%s)\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}

func TestRedactBodyDecodesAndLeavesOthers(t *testing.T) {
	plain := session.Body{Data: []byte("password=hunter2"), Size: 16}
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	if got := redactBody(h, plain); string(got.Data) != "password=hunter2" {
		t.Errorf("form body changed: %s", got.Data)
	}
	gz := gzipBytes(t, []byte(`{"token":"abc"}`))
	h = http.Header{"Content-Type": {"application/json"}, "Content-Encoding": {"gzip"}}
	got := redactBody(h, session.Body{Data: gz, Size: int64(len(gz))})
	if string(got.Data) != `{"token":"[redacted …3 chars]"}` || h.Get("Content-Encoding") != "" {
		t.Errorf("gzip JSON: %s, encoding %q", got.Data, h.Get("Content-Encoding"))
	}
}
