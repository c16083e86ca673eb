package intercept

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// writeFile writes content to name in dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// engineWith returns an Engine loaded with one rules file of content.
func engineWith(t *testing.T, cfg Config, content string) (*Engine, string) {
	t.Helper()
	path := writeFile(t, t.TempDir(), "rules.yaml", content)
	e := New(cfg)
	if err := e.LoadFiles(path); err != nil {
		t.Fatalf("LoadFiles: %v", err)
	}
	return e, path
}

var flowSeq atomic.Int64

// request makes a flow at the request phase. Extra arguments are header
// lines "Name: value".
func request(method, url string, headers ...string) *session.Flow {
	h := http.Header{}
	for _, l := range headers {
		k, v, _ := strings.Cut(l, ":")
		h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return &session.Flow{
		ID:      "f" + strconv.FormatInt(flowSeq.Add(1), 10),
		State:   session.Pending,
		Request: &session.Request{Method: method, URL: url, Proto: "HTTP/1.1", Header: h},
	}
}

// withResponse adds a response to f, for the response phase.
func withResponse(f *session.Flow, status int, body string, headers ...string) *session.Flow {
	h := http.Header{}
	for _, l := range headers {
		k, v, _ := strings.Cut(l, ":")
		h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	f.Response = &session.Response{Status: status, Reason: http.StatusText(status), Proto: "HTTP/1.1", Header: h,
		Body: session.Body{Data: []byte(body), Size: int64(len(body))}}
	return f
}

// fileErrors unpacks a LoadFiles or LoadFile error into its FileErrors.
func fileErrors(t *testing.T, err error) []*FileError {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	var out []*FileError
	var walk func(error)
	walk = func(err error) {
		if fe, ok := err.(*FileError); ok {
			out = append(out, fe)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		if u := errors.Unwrap(err); u != nil {
			walk(u)
		}
	}
	walk(err)
	if len(out) == 0 {
		t.Fatalf("error %q holds no FileError", err)
	}
	return out
}

// decide runs a decision and, for a pause, returns it unresolved.
func decide(e *Engine, phase Phase, f *session.Flow) Decision {
	return e.Decide(context.Background(), phase, f)
}

func ruleNames(e *Engine) []string {
	var out []string
	for _, r := range e.Rules() {
		out = append(out, r.Rule.Name)
	}
	return out
}
