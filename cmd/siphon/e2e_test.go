package main

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

func origin() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Origin", "yes")
		w.Header().Set("Date", "Sun, 22 Nov 2026 00:00:00 GMT") // identical direct and proxied
		fmt.Fprintf(w, `{"method":%q,"uri":%q,"agent":%q,"body":%q}`, r.Method, r.URL.RequestURI(), r.Header.Get("User-Agent"), body)
	})
}

func TestCurlThroughDumpMatchesDirect(t *testing.T) {
	plain := httptest.NewServer(origin())
	defer plain.Close()
	secure := httptest.NewTLSServer(origin())
	defer secure.Close()
	originCA := writePEM(t, secure.Certificate())

	home := t.TempDir()
	caPath, _, code := runSiphonHome(t, home, "ca", "path")
	caPath = strings.TrimSpace(caPath)
	if code != 0 || caPath == "" {
		t.Fatalf("siphon ca path: %d %q", code, caPath)
	}
	c := startDump(t, home, "--upstream-ca", originCA)
	proxy := "http://" + c.addr

	cases := []struct{ url, cacert string }{
		{plain.URL + "/a?x=1%202", ""},
		{secure.URL + "/b?y=2", originCA},
	}
	for _, tc := range cases {
		// siphon offers h2 to clients; the origin speaks HTTP/1.1 only, and
		// the header block is compared as HTTP/1.1 writes it (see
		// TestCurlHTTP2ThroughDump for h2).
		args := []string{"--http1.1", "-D", "-", "-X", "POST", "-H", "X-Test: 1", "--data-binary", "payload", tc.url}
		direct := append([]string{"--noproxy", "*"}, args...)
		via := append([]string{"-x", proxy, "--suppress-connect-headers"}, args...)
		if tc.cacert != "" {
			direct = append([]string{"--cacert", tc.cacert}, direct...)
			// Through siphon, curl must verify the minted leaf against
			// siphon's CA and nothing else.
			via = append([]string{"--cacert", caPath}, via...)
		}
		// Go's HTTP stack writes headers in its own order, so the header
		// block is compared line by line as a set; the body byte for byte.
		want := normalizeHead(curl(t, direct...))
		got := normalizeHead(curl(t, via...))
		if got != want {
			t.Errorf("%s through siphon differs from direct:\n--- direct\n%s\n--- siphon\n%s", tc.url, want, got)
		}
	}
	if code := c.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d after SIGTERM:\n%s", code, c.stderr)
	}
	out := c.stdout.String()
	for _, tc := range cases {
		if !strings.Contains(out, "POST "+tc.url+" -> 200 OK") {
			t.Errorf("dump output lacks %s:\n%s", tc.url, out)
		}
	}

	store, err := session.Open(c.session, session.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	flows := store.List(nil, 0, 100)
	if len(flows) != 2 {
		t.Fatalf("session holds %d flows, want 2", len(flows))
	}
	for i, meta := range flows {
		f, err := store.Get(meta.ID)
		if err != nil {
			t.Fatal(err)
		}
		if f.Request.Method != "POST" || f.Request.URL != cases[i].url || f.Request.Header.Get("X-Test") != "1" || string(f.Request.Body.Data) != "payload" {
			t.Errorf("stored request %d: %+v", i, f.Request)
		}
		if f.Response == nil || f.Response.Status != 200 || f.Response.Header.Get("X-Origin") != "yes" || !bytes.Contains(f.Response.Body.Data, []byte(`"body":"payload"`)) {
			t.Errorf("stored response %d: %+v", i, f.Response)
		}
		if f.Timings.RequestReceived.IsZero() || f.Timings.FirstByte.IsZero() || f.Timings.Complete.IsZero() || f.Timings.ConnectDone.IsZero() {
			t.Errorf("stored timings %d: %+v", i, f.Timings)
		}
	}
}

// normalizeHead sorts the header lines of a curl -D - output.
func normalizeHead(out []byte) string {
	head, body, _ := strings.Cut(string(out), "\r\n\r\n")
	lines := strings.Split(head, "\r\n")
	sort.Strings(lines[1:])
	return strings.Join(lines, "\n") + "\n\n" + body
}

func runSiphonHome(t *testing.T, home string, args ...string) (string, string, int) {
	t.Helper()
	return runSiphon(t, append(args, "--home", home)...)
}

func TestDumpReadPrintsStoredFlows(t *testing.T) {
	plain := httptest.NewServer(origin())
	defer plain.Close()
	c := startDump(t, "")
	curl(t, "-x", "http://"+c.addr, plain.URL+"/one")
	curl(t, "-x", "http://"+c.addr, "-X", "DELETE", plain.URL+"/two")
	if code := c.stop(t, syscall.SIGINT); code != 0 {
		t.Fatalf("exit %d", code)
	}
	out, errOut, code := runSiphon(t, "dump", "--read", c.session)
	if code != 0 || !strings.Contains(out, "GET "+plain.URL+"/one -> 200") || !strings.Contains(out, "DELETE "+plain.URL+"/two -> 200") {
		t.Fatalf("dump --read: %d\n%s%s", code, out, errOut)
	}
	out, _, _ = runSiphon(t, "dump", "--read", c.session, "--filter", "~m DELETE")
	if strings.Contains(out, "/one") || !strings.Contains(out, "/two") {
		t.Errorf("filtered read:\n%s", out)
	}
}

func TestCorruptOrForeignSessionIsRefusedUntouched(t *testing.T) {
	dir := t.TempDir()
	corrupt := dir + "/corrupt.db"
	garbage := bytes.Repeat([]byte("not a database\x00\x01"), 500)
	os.WriteFile(corrupt, garbage, 0o600)
	foreign := dir + "/foreign.db"
	makeForeignSQLite(t, foreign)
	foreignBytes, _ := os.ReadFile(foreign)

	for path, want := range map[string][]byte{corrupt: garbage, foreign: foreignBytes} {
		_, errOut, code := runSiphon(t, "dump", "--session", path, "--listen", "127.0.0.1:0")
		if code != 2 || !strings.Contains(errOut, path) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("--session %s: exit %d, stderr %q; want exit 2 and one line naming the file", path, code, errOut)
		}
		_, errOut, code = runSiphon(t, "dump", "--read", path)
		if code != 2 || !strings.Contains(errOut, path) {
			t.Errorf("--read %s: exit %d, stderr %q", path, code, errOut)
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, want) {
			t.Errorf("%s was modified", path)
		}
	}
}

func TestCommandLineMistakes(t *testing.T) {
	for _, args := range [][]string{
		{"dump", "--no-such-flag"},
		{"dump", "--listen", "nonsense"},
		{"dump", "--listen", "0.0.0.0:0"}, // beyond loopback without --proxy-auth
		{"dump", "--filter", "~m ("},
		{"dump", "--ignore-hosts", "("},
		{"dump", "--upstream-ca", "/no/such/file"},
		{"dump", "--upstream", "ftp://x"},
		{"dump", "--body-limit", "lots"},
		{"dump", "--read", "/no/such/session.db"},
		{"ca", "export", "--format", "p12"},
		{"frobnicate"},
	} {
		_, errOut, code := runSiphon(t, args...)
		if code != 2 || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "siphon: ") {
			t.Errorf("siphon %v: exit %d, stderr %q; want exit 2 and one line", args, code, errOut)
		}
	}
}

func TestCACommands(t *testing.T) {
	home := t.TempDir()
	path, _, code := runSiphonHome(t, home, "ca", "path")
	path = strings.TrimSpace(path)
	if code != 0 || path != home+"/ca.pem" {
		t.Fatalf("ca path: %d %q", code, path)
	}
	st, err := os.Stat(home + "/ca-key.pem")
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("ca-key.pem: %v %v", err, st)
	}
	pemOut, _, _ := runSiphonHome(t, home, "ca", "export", "--format", "pem")
	block, _ := pem.Decode([]byte(pemOut))
	if block == nil || strings.Contains(pemOut, "PRIVATE") {
		t.Fatalf("pem export: %q", pemOut)
	}
	derOut, _, _ := runSiphonHome(t, home, "ca", "export", "--format", "der")
	cert, err := x509.ParseCertificate([]byte(derOut))
	if err != nil || !cert.IsCA || !bytes.Equal(cert.Raw, block.Bytes) {
		t.Fatalf("der export: %v", err)
	}
	out := t.TempDir() + "/ca.cer"
	if _, _, code := runSiphonHome(t, home, "ca", "export", "--format", "der", "-o", out); code != 0 {
		t.Fatal("export -o failed")
	}
	if b, _ := os.ReadFile(out); !bytes.Equal(b, cert.Raw) {
		t.Error("export -o wrote something else")
	}
}

func TestLANListenerNeedsAuthOrExplicitNone(t *testing.T) {
	c := startDump(t, "", "--listen", "0.0.0.0:0", "--proxy-auth", "none")
	if !strings.Contains(c.stderr.String(), "warning: --proxy-auth none") {
		t.Errorf("no warning for an open LAN proxy:\n%s", c.stderr)
	}
	c.stop(t, syscall.SIGTERM)

	plain := httptest.NewServer(origin())
	defer plain.Close()
	a := startDump(t, "", "--listen", "0.0.0.0:0", "--proxy-auth", "me:secret")
	port := a.addr[strings.LastIndex(a.addr, ":"):]
	proxy := "http://127.0.0.1" + port
	out, _ := exec407(t, proxy, plain.URL+"/x")
	if !strings.Contains(out, "407") {
		t.Errorf("no credentials: %q", out)
	}
	got := curl(t, "-x", proxy, "--proxy-user", "me:secret", plain.URL+"/x")
	if !bytes.Contains(got, []byte(`"uri":"/x"`)) {
		t.Errorf("with credentials: %s", got)
	}
}

func exec407(t *testing.T, proxy, url string) (string, error) {
	t.Helper()
	res, err := (&http.Client{Transport: &http.Transport{Proxy: func(*http.Request) (*urlURL, error) { return parseURL(proxy) }}}).Get(url)
	if err != nil {
		return "", err
	}
	res.Body.Close()
	return res.Status, nil
}
