package mcp

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/intercept"
)

func TestAsListItemKeepsLines(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"name: a\nmatch: ~all\nblock: 403", "- name: a\n  match: ~all\n  block: 403\n"},
		{"# why\nname: a\nmock:\n  status: 200\n", "# why\n- name: a\n  mock:\n    status: 200\n"},
		{"- name: a\n  block: 403", "- name: a\n  block: 403\n"},
		{"  \n# only a comment", ""},
	} {
		if got := asListItem(c.in); got != c.want {
			t.Errorf("asListItem(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// Line numbers in errors are those of what the agent wrote.
	_, err := intercept.Parse([]byte(asListItem("name: a\nmatch: ~all\nblock: maybe")), "add_rule", ".")
	if err == nil || !strings.HasPrefix(err.Error(), "add_rule:3:") {
		t.Fatalf("error %v, want it at add_rule:3", err)
	}
}

func TestCheckLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{"127.0.0.1:0": true, "[::1]:8765": true, "localhost:1": true,
		"0.0.0.0:8765": false, ":8765": false, "192.168.1.2:80": false, "example.com:80": false, "nonsense": false} {
		if err := CheckLoopback(addr); (err == nil) != ok {
			t.Errorf("CheckLoopback(%q) = %v", addr, err)
		}
	}
}

func TestHandlerRequiresToken(t *testing.T) {
	src, err := OpenFile(writeSession(t, testFlow(1)))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	h := New(Config{Source: src}).Handler("sekrit")
	for auth, want := range map[string]int{"": 401, "Bearer nope": 401, "Bearer sekrit": 200, "bearer sekrit": 200, "sekrit": 401} {
		req := httptest.NewRequest("POST", "http://127.0.0.1"+Path,
			strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("Authorization %q: %d, want %d (%s)", auth, rec.Code, want, rec.Body)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "http://127.0.0.1/other", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("another path: %d", rec.Code)
	}
}
