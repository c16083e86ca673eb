package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// seenRequest is a request as a recording origin received it.
type seenRequest struct {
	Method string
	URL    string // scheme://host + request URI
	Header http.Header
	Body   []byte
}

// recordingOrigin is a loopback origin that keeps every request it
// receives. /gzip answers with a gzip-encoded JSON body.
type recordingOrigin struct {
	*httptest.Server
	got chan seenRequest
}

func newRecordingOrigin(t *testing.T, tls bool) *recordingOrigin {
	t.Helper()
	o := &recordingOrigin{got: make(chan seenRequest, 1024)}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		o.got <- seenRequest{r.Method, scheme + "://" + r.Host + r.RequestURI, r.Header.Clone(), body}
		if r.URL.Path == "/gzip" {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			io.WriteString(zw, `{"compressed":true,"text":"`+strings.Repeat("abc", 200)+`"}`)
			zw.Close()
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "seen "+r.Method+"\n")
	})
	if tls {
		o.Server = httptest.NewTLSServer(h)
	} else {
		o.Server = httptest.NewServer(h)
	}
	t.Cleanup(o.Close)
	return o
}

func (o *recordingOrigin) next(t *testing.T) seenRequest {
	t.Helper()
	select {
	case s := <-o.got:
		return s
	case <-time.After(20 * time.Second):
		t.Fatal("the origin received no request within 20s")
		return seenRequest{}
	}
}

// hopHeaders belong to one connection; replays need not reproduce them.
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// assertSameRequest fails unless two requests an origin saw are identical
// in method, URL, end-to-end headers and body. Go's server hands headers
// over as a map, so their wire order cannot be compared.
func assertSameRequest(t *testing.T, what string, got, want seenRequest, ignore ...string) {
	t.Helper()
	g, w := got.Header.Clone(), want.Header.Clone()
	for _, n := range append(hopHeaders, ignore...) {
		g.Del(n)
		w.Del(n)
	}
	if got.Method != want.Method || got.URL != want.URL {
		t.Errorf("%s: request line %s %s, want %s %s", what, got.Method, got.URL, want.Method, want.URL)
	}
	keys := map[string]bool{}
	for k := range g {
		keys[k] = true
	}
	for k := range w {
		keys[k] = true
	}
	for k := range keys {
		if !slices.Equal(g[k], w[k]) {
			t.Errorf("%s: header %s = %q, want %q", what, k, g[k], w[k])
		}
	}
	if !bytes.Equal(got.Body, want.Body) {
		t.Errorf("%s: body of %d bytes differs from the original's %d", what, len(got.Body), len(want.Body))
	}
}

// runScript runs exported commands with sh in dir, with extra environment
// (CA bundles for the test origins) and no proxy settings.
func runScript(t *testing.T, dir, script string, env ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-s")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(script)
	cmd.Env = append(os.Environ(), "HOME="+dir, "http_proxy=", "https_proxy=", "HTTP_PROXY=", "HTTPS_PROXY=", "ALL_PROXY=", "all_proxy=")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("running exported commands: %v\n%s\nscript:\n%s", err, out, script)
	}
	return string(out)
}
