package main

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/internal/testutil"
)

// seenRequest is a request as a recording origin received it.
type seenRequest = testutil.Request

// recordingOrigin is a loopback origin that keeps every request it
// receives. /gzip answers with a gzip-encoded JSON body.
type recordingOrigin struct{ *testutil.RecordingOrigin }

func newRecordingOrigin(t *testing.T, tls bool) *recordingOrigin {
	t.Helper()
	return &recordingOrigin{testutil.NewRecordingOrigin(t, tls, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
	}))}
}

// next returns the next request the origin received.
func (o *recordingOrigin) next(t *testing.T) seenRequest {
	t.Helper()
	return o.Next(t)
}

// assertSameRequest fails unless two requests an origin saw are identical
// in method, URL, end-to-end headers and body (testutil.SameRequest).
func assertSameRequest(t *testing.T, what string, got, want seenRequest, ignore ...string) {
	t.Helper()
	testutil.SameRequest(t, what, got, want, ignore...)
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
