package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestCertPageOnListener: a plain curl to siphon's own address, with no
// proxy and no credentials although --proxy-auth is set, gets the
// certificate page and the CA in every format `siphon ca export` writes,
// never the key; proxying still needs the credentials (issue 15).
func TestCertPageOnListener(t *testing.T) {
	home := t.TempDir()
	c := startDump(t, home, "--proxy-auth", "me:secret")
	defer c.stop(t, syscall.SIGTERM)
	base := "http://" + c.addr

	page := curl(t, "--noproxy", "*", "-A", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)", base+"/")
	if !bytes.Contains(page, []byte("Certificate Trust Settings")) {
		t.Errorf("the page for an iPhone lacks the iOS steps:\n%.400s", page)
	}
	exportDir := t.TempDir()
	for _, format := range []string{"pem", "der", "mobileconfig", "android"} {
		if _, errOut, code := runSiphonHome(t, home, "ca", "export", "--format", format, "-o", exportDir); code != 0 {
			t.Fatalf("ca export --format %s: exit %d %s", format, code, errOut)
		}
	}
	files, err := os.ReadDir(exportDir)
	if err != nil || len(files) != 4 {
		t.Fatalf("ca export wrote %v (%v), want 4 files", files, err)
	}
	key, err := os.ReadFile(filepath.Join(home, "ca-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	keyLine := bytes.Split(bytes.TrimSpace(key), []byte("\n"))[1]
	for _, fe := range files {
		want, err := os.ReadFile(filepath.Join(exportDir, fe.Name()))
		if err != nil {
			t.Fatal(err)
		}
		got := curl(t, "--noproxy", "*", base+"/"+fe.Name())
		if !bytes.Equal(got, want) {
			t.Errorf("GET /%s from the listener differs from siphon ca export's file (%d bytes, want %d)", fe.Name(), len(got), len(want))
		}
		if !bytes.Contains(page, []byte(fe.Name())) && !strings.HasSuffix(fe.Name(), ".0") {
			t.Errorf("the page does not link %s", fe.Name())
		}
	}
	for _, path := range []string{"/", "/ca-key.pem", "/siphon-ca.pem"} {
		if b := curl(t, "--noproxy", "*", base+path); bytes.Contains(b, keyLine) || bytes.Contains(b, []byte("PRIVATE KEY")) {
			t.Errorf("GET %s served the CA's key", path)
		}
	}

	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("origin")) }))
	defer o.Close()
	if code := curl(t, "-o", "/dev/null", "-w", "%{http_code}", "-x", base, o.URL); string(code) != "407" {
		t.Errorf("proxying without credentials: %s, want 407", code)
	}
	if got := curl(t, "-x", base, "--proxy-user", "me:secret", o.URL); string(got) != "origin" {
		t.Errorf("proxying with credentials: %q", got)
	}
}
