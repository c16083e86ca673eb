package mcp

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
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

// FuzzRedactJSON: redaction never breaks a JSON document, leaves nothing to
// redact a second time, and never panics on anything else.
func FuzzRedactJSON(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"token":"x","b":[{"password":null}]}`, `[1,"secret",{"api_key":{"n":[1,2]}}]`,
		`{"token":"abc`, `{"x":"\"token\":1"}`, `{"tok\u0065n":"é"}`, `"token"`, `{}`, `{"a":{"b":{"secret":true}}} `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, changed := redactJSON(data)
		if !changed && !bytes.Equal(out, data) {
			t.Fatalf("unchanged but different: %q -> %q", data, out)
		}
		if !json.Valid(data) {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("valid %q redacted to invalid %q", data, out)
		}
		var v any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatal(err)
		}
		if leak := unredacted(v); leak != "" {
			t.Fatalf("%q redacted to %q keeps %s", data, out, leak)
		}
	})
}

// unredacted names a sensitive field of v whose value is not a placeholder.
func unredacted(v any) string {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); sensitiveKey.MatchString(k) && (!ok || !strings.HasPrefix(s, "[redacted …")) {
				return k
			}
			if leak := unredacted(x); leak != "" {
				return leak
			}
		}
	case []any:
		for _, x := range v {
			if leak := unredacted(x); leak != "" {
				return leak
			}
		}
	}
	return ""
}

// A filter cannot tell a guessed secret from the captured one: with
// redaction on it sees flows redacted, as the agent does.
func TestFiltersCannotProbeSecrets(t *testing.T) {
	f := testFlow(1)
	f.Request.URL += "?access_token=abc123"
	f.Request.Header.Set("Authorization", "Bearer sk-live-1")
	f.Response.Body = session.Body{Data: []byte(`{"password":"hunter2"}`), Size: 22}
	path := writeSession(t, f, testFlow(2))
	for _, c := range []struct {
		filter           string
		redacted, opened int
	}{
		{`~hq "Bearer sk-live"`, 0, 1},
		{`~hq authorization`, 1, 1},
		{`~bs hunter2`, 0, 1},
		{`~bs password`, 1, 1},
		{`~u access_token=abc`, 0, 1},
		{`~u access_token`, 1, 1},
		{`~u items`, 2, 2},
		{``, 2, 2},
	} {
		for _, noRedact := range []bool{false, true} {
			want := c.redacted
			if noRedact {
				want = c.opened
			}
			cs := serveFile(t, path, noRedact)
			if got := call[ListOut](t, cs, "list_flows", map[string]any{"filter": c.filter}).Total; got != want {
				t.Errorf("filter %q (no-redact %v): %d flows, want %d", c.filter, noRedact, got, want)
			}
			pattern := map[string]any{"pattern": ".", "filter": c.filter}
			if got := len(call[SearchOut](t, cs, "search_flows", pattern).Matches); got != want {
				t.Errorf("search_flows filter %q (no-redact %v): %d flows, want %d", c.filter, noRedact, got, want)
			}
		}
	}
}
