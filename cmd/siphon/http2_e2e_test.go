package main

import (
	"net/http/httptest"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// needCurlHTTP2 fails the test when curl cannot speak HTTP/2: curl is the
// one program the test suite requires, and every current build of it
// (Debian's, macOS's) has HTTP/2.
func needCurlHTTP2(t *testing.T) {
	t.Helper()
	out, err := exec.Command("curl", "--version").Output()
	if err != nil || !strings.Contains(string(out), "HTTP2") {
		t.Fatalf("this test needs curl with HTTP/2 support: %v %s", err, out)
	}
}

// curlHTTP2 runs curl --http2 and splits what it prints into the body and
// the HTTP version it spoke.
func curlHTTP2(t *testing.T, args ...string) (body, version string) {
	t.Helper()
	out := string(curl(t, append([]string{"--http2", "-w", "\n%{http_version}"}, args...)...))
	i := strings.LastIndexByte(out, '\n')
	return out[:i], out[i+1:]
}

func TestCurlHTTP2ThroughDump(t *testing.T) {
	needCurlHTTP2(t)
	h2 := httptest.NewUnstartedServer(origin())
	h2.EnableHTTP2 = true
	h2.StartTLS()
	defer h2.Close()
	h1 := httptest.NewTLSServer(origin()) // HTTP/1.1 only
	defer h1.Close()
	originCA := writePEM(t, h2.Certificate()) // httptest servers share one certificate

	home := t.TempDir()
	caPath, _, code := runSiphonHome(t, home, "ca", "path")
	caPath = strings.TrimSpace(caPath)
	if code != 0 || caPath == "" {
		t.Fatalf("siphon ca path: %d %q", code, caPath)
	}
	c := startDump(t, home, "--upstream-ca", originCA)

	cases := []struct{ url, directVersion, originProto string }{
		{h2.URL + "/two?x=1", "2", "HTTP/2.0"},
		{h1.URL + "/one?y=2", "1.1", "HTTP/1.1"},
	}
	for _, tc := range cases {
		args := []string{"-X", "POST", "--data-binary", "payload", tc.url}
		want, wantVersion := curlHTTP2(t, append([]string{"--noproxy", "*", "--cacert", originCA}, args...)...)
		got, version := curlHTTP2(t, append([]string{"-x", "http://" + c.addr, "--cacert", caPath}, args...)...)
		if wantVersion != tc.directVersion || version != "2" {
			t.Errorf("%s: HTTP version %q direct, %q through siphon; want %s and 2", tc.url, wantVersion, version, tc.directVersion)
		}
		if got != want {
			t.Errorf("%s: body through siphon differs from direct:\n--- direct\n%s\n--- siphon\n%s", tc.url, want, got)
		}
	}
	if code := c.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d after SIGTERM:\n%s", code, c.stderr)
	}
	for _, tc := range cases {
		line := "POST " + tc.url + " HTTP/2.0 -> " + tc.originProto + " 200 OK"
		if out := c.stdout.String(); !strings.Contains(out, line) {
			t.Errorf("dump output lacks %q:\n%s", line, out)
		}
	}

	store, err := session.Open(c.session, session.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	flows := store.List(nil, 0, 100)
	if len(flows) != len(cases) {
		t.Fatalf("session holds %d flows, want %d", len(flows), len(cases))
	}
	for i, meta := range flows {
		f, err := store.Get(meta.ID)
		if err != nil {
			t.Fatal(err)
		}
		if f.Request.Proto != "HTTP/2.0" || f.Client.ALPN != "h2" || f.Response == nil || f.Response.Proto != cases[i].originProto {
			t.Errorf("stored flow %d: client %s %q, response %+v", i, f.Request.Proto, f.Client.ALPN, f.Response)
		}
	}
	out, _, _ := runSiphon(t, "dump", "--read", c.session)
	if !strings.Contains(out, "POST "+cases[0].url+" HTTP/2.0 -> HTTP/2.0 200 OK") {
		t.Errorf("dump --read lacks the protocols:\n%s", out)
	}
	// ~http2 finds them in the stored session; !~http2 none.
	if out, _, _ := runSiphon(t, "dump", "--read", c.session, "--filter", "~http2"); strings.Count(out, " HTTP/2.0 -> ") != len(cases) {
		t.Errorf("dump --read --filter ~http2 shows:\n%s\nwant the %d flows", out, len(cases))
	}
	if out, _, _ := runSiphon(t, "dump", "--read", c.session, "--filter", "!~http2"); strings.Contains(out, "HTTP/2.0") {
		t.Errorf("dump --read --filter '!~http2' shows:\n%s\nwant none", out)
	}
}
