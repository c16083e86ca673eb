package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// pinnedOrigin is an HTTPS origin and a PEM file of its certificate: a
// curl trusting only that file is an app that pins the origin's
// certificate and rejects siphon's.
func pinnedOrigin(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	o := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "the origin itself answers %s", r.URL.Path)
	}))
	t.Cleanup(o.Close)
	return o, writePEM(t, o.Certificate())
}

// pinnedCurl fetches url through proxy with curl trusting only pem; it
// returns the body, or an error when the handshake (or anything) failed.
func pinnedCurl(proxy, pem, url string) (string, error) {
	out, err := exec.Command("curl", "-sS", "--max-time", "20", "-x", "http://"+proxy, "--cacert", pem, url).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("curl %s: %w: %s", url, err, out)
	}
	return string(out), nil
}

// passedThrough checks that a pinned client gets through proxy to origin,
// which means it saw the origin's own certificate.
func passedThrough(t *testing.T, proxy, pem string, origin *httptest.Server, path string) {
	t.Helper()
	body, err := pinnedCurl(proxy, pem, origin.URL+path)
	if err != nil {
		t.Fatalf("a passed-through host is still intercepted: %v", err)
	}
	if want := "the origin itself answers " + path; body != want {
		t.Fatalf("body %q, want %q", body, want)
	}
}

// Acceptance 4 of issue 15: curl without siphon's CA fails; P on its
// failed flow passes the host through, live; the next request reaches the
// origin with the origin's certificate; a new siphon on the same home
// (the binary) still passes it through.
func TestPassthroughKeyEndToEnd(t *testing.T) {
	testutil.NeedCommand(t, "curl")
	origin, pem := pinnedOrigin(t)
	home := filepath.Join(t.TempDir(), "home")
	h := startTUIHarness(t, "--home", home)
	proxy := h.app.run.addr.String()
	if _, err := pinnedCurl(proxy, pem, origin.URL+"/first"); err == nil {
		t.Fatal("curl without siphon's CA accepted siphon's certificate")
	}
	target := strings.TrimPrefix(origin.URL, "https://")
	h.wait("CONNECT", target)
	h.press(keymap.ScopeList, keymap.ActPassthrough)
	h.wait("127.0.0.1 is passed through from now on")
	passedThrough(t, proxy, pem, origin, "/second")

	testutil.Receive(t, h.app.run.pass.saved, "the passthrough list saved")
	data, err := os.ReadFile(filepath.Join(home, passthroughFile))
	must(t, err)
	if !strings.Contains(string(data), "\n127.0.0.1\n") {
		t.Fatalf("%s holds %q, want 127.0.0.1", passthroughFile, data)
	}
	next := startDump(t, home)
	passedThrough(t, next.addr, pem, origin, "/after-restart")
	if code := next.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d:\n%s", code, next.stderr)
	}
	if out := next.stdout.String(); !strings.Contains(out, "CONNECT "+target) || !strings.Contains(out, "tunnel") {
		t.Errorf("the restarted siphon did not record a tunnel to %s:\n%s", target, out)
	}
}

// With --auto-passthrough the first rejected handshake is enough; the
// failed flow says so, and a new siphon keeps the host.
func TestAutoPassthroughEndToEnd(t *testing.T) {
	testutil.NeedCommand(t, "curl")
	origin, pem := pinnedOrigin(t)
	home := filepath.Join(t.TempDir(), "home")
	h := startTUIHarness(t, "--home", home, "--auto-passthrough")
	proxy := h.app.run.addr.String()
	if _, err := pinnedCurl(proxy, pem, origin.URL+"/first"); err == nil {
		t.Fatal("curl without siphon's CA accepted siphon's certificate")
	}
	// The list is saved once the host is in it.
	testutil.Receive(t, h.app.run.pass.saved, "the passthrough list saved")
	passedThrough(t, proxy, pem, origin, "/second")
	h.wait("2 flows")
	var note string
	for f := range h.app.run.store.All(nil) {
		if f.Err != nil && f.Err.Phase == session.PhaseClientTLS {
			note = f.Comment
		}
	}
	if !strings.Contains(note, "--auto-passthrough: 127.0.0.1 passes through from now on") {
		t.Errorf("the failed flow's comment %q does not note the passthrough", note)
	}

	next := startDump(t, home)
	passedThrough(t, next.addr, pem, origin, "/after-restart")
}

// A passthrough file with a line that is not a host stops siphon with an
// error naming the line, and the file is left as it was.
// Hosts match exactly, so a wildcard is refused rather than kept to
// match nothing; a comment may follow a host.
func TestPassthroughFileLines(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		text  string
		hosts []string
	}{
		{"Example.COM  # the API\n127.0.0.1:8443\n", []string{"Example.COM", "127.0.0.1:8443"}},
		{"*.example.com\n", nil},
		{"bad!host\n", nil},
		{"https:\n", nil},
	} {
		path := filepath.Join(dir, "p.txt")
		must(t, os.WriteFile(path, []byte(tc.text), 0o600))
		hosts, err := readPassthrough(path)
		if tc.hosts == nil {
			if err == nil || !strings.Contains(err.Error(), "line 1") {
				t.Errorf("%q: %v %v, want an error naming line 1", tc.text, hosts, err)
			}
			continue
		}
		if err != nil || strings.Join(hosts, ",") != strings.Join(tc.hosts, ",") {
			t.Errorf("%q: %v %v, want %v", tc.text, hosts, err, tc.hosts)
		}
	}
}

func TestPassthroughFileMistake(t *testing.T) {
	home := t.TempDir()
	path := filepath.Join(home, passthroughFile)
	bad := "# pinned\napi.example.com\nhttps://bad.example/path\n"
	must(t, os.WriteFile(path, []byte(bad), 0o600))
	_, stderr, code := runSiphon(t, "dump", "--home", home, "--listen", "127.0.0.1:0")
	if code == 0 || !strings.Contains(stderr, "line 3") || !strings.Contains(stderr, "not a host name") {
		t.Fatalf("exit %d, stderr %q; want an error naming line 3", code, stderr)
	}
	if data, _ := os.ReadFile(path); string(data) != bad {
		t.Errorf("the file changed: %q", data)
	}
}
