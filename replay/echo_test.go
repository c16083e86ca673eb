package replay

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/session"
)

// seen is a request as an origin received it.
type seen = testutil.Request

// echoOrigin is a loopback origin that reports every request it receives
// and answers 200 with a small gzip-able body.
type echoOrigin struct{ *testutil.RecordingOrigin }

func newEchoOrigin(t testing.TB, tls bool) *echoOrigin {
	t.Helper()
	return &echoOrigin{testutil.NewRecordingOrigin(t, tls, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "echo ok\n")
	}))}
}

// next returns the next request the origin received.
func (o *echoOrigin) next(t testing.TB) seen {
	t.Helper()
	return o.Next(t)
}

// sameRequest fails unless two requests an origin saw are identical in
// method, URL, end-to-end headers and body (testutil.SameRequest).
func sameRequest(t *testing.T, what string, got, want seen, ignore ...string) {
	t.Helper()
	testutil.SameRequest(t, what, got, want, ignore...)
}

func clip(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}

// runShell runs a generated command with sh in dir and returns its output.
func runShell(t *testing.T, dir, command string) string {
	t.Helper()
	return runShellEnv(t, dir, command)
}

// runShellEnv is runShell with more environment variables.
func runShellEnv(t *testing.T, dir, command string, env ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-s")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(command + "\n")
	cmd.Env = append(os.Environ(), "HOME="+dir, "NO_PROXY=*", "http_proxy=", "https_proxy=", "HTTP_PROXY=", "HTTPS_PROXY=")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("running the exported command: %v\n%s\ncommand:\n%s", err, out, command)
	}
	return string(out)
}

// seenAsFlow is what siphon would record for a request the origin saw:
// the same request line, headers and body.
func seenAsFlow(s seen) *session.Flow {
	h := s.Header.Clone()
	return &session.Flow{State: session.Done, Kind: session.HTTP, Request: &session.Request{
		Method: s.Method, URL: s.URL, Proto: "HTTP/1.1", Header: h,
		Body: session.Body{Data: s.Body, Size: int64(len(s.Body))},
	}}
}

func writeBodyFile(t *testing.T, dir string, c *Command, name string) {
	t.Helper()
	if c.Body == nil {
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name), c.Body, 0o600); err != nil {
		t.Fatal(err)
	}
}
