package main

import (
	"net"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/session"
)

// listenerAddrs reads the start-up lines of siphon dump: the address of
// each listener by its name, such as "socks5@41234".
func listenerAddrs(t *testing.T, stderr string) map[string]string {
	t.Helper()
	re := regexp.MustCompile(`listening on \w+://([0-9.:\[\]]+)(?: and \S+)? \(([^)]+)\)`)
	out := map[string]string{}
	for _, m := range re.FindAllStringSubmatch(stderr, -1) {
		out[m[2]] = m[1]
	}
	return out
}

// byPrefix returns the address of the one listener whose name starts with
// prefix.
func byPrefix(t *testing.T, addrs map[string]string, prefix string) string {
	t.Helper()
	for name, a := range addrs {
		if strings.HasPrefix(name, prefix) {
			return a
		}
	}
	t.Fatalf("no %s listener in %v", prefix, addrs)
	return ""
}

// TestCurlThroughEveryMode runs one siphon with a regular, two reverse
// and a SOCKS5 listener, and sends curl through each: the bodies are the
// origin's, every flow lands in the one session with its listener, and
// SIGTERM closes every listener.
func TestCurlThroughEveryMode(t *testing.T) {
	testutil.NeedCommand(t, "curl")
	plain := httptest.NewServer(origin())
	defer plain.Close()
	secure := httptest.NewTLSServer(origin())
	defer secure.Close()
	originCA := writePEM(t, secure.Certificate())
	home := t.TempDir()
	caPath, _, _ := runSiphonHome(t, home, "ca", "path")
	caPath = strings.TrimSpace(caPath)

	c := startDump(t, home, "--upstream-ca", originCA, "--mode", "regular@0",
		"--mode", "reverse:"+plain.URL+"/api@0", "--mode", "reverse:"+secure.URL+"@0", "--mode", "socks5@0")
	addrs := listenerAddrs(t, c.stderr.String())
	if len(addrs) != 4 {
		t.Fatalf("start-up lines name %d listeners, want 4:\n%s", len(addrs), c.stderr)
	}
	revPlain, revTLS := byPrefix(t, addrs, "reverse:http:"), byPrefix(t, addrs, "reverse:https:")
	socks := byPrefix(t, addrs, "socks5@")
	want := func(uri string) string { return `"uri":"` + uri + `"` }

	checks := []struct {
		name, want string
		args       []string
	}{
		{"regular", want("/r"), []string{"-x", "http://" + c.addr, plain.URL + "/r"}},
		{"reverse http→http", want("/api/v?x=1"), []string{revPlain + "/v?x=1"}},
		{"reverse https→http", want("/api/s"), []string{"--cacert", caPath, "https://" + revPlain + "/s"}},
		{"reverse https→https", want("/t"), []string{"--cacert", caPath, "https://" + revTLS + "/t"}},
		{"reverse http→https", want("/u"), []string{"http://" + revTLS + "/u"}},
		{"socks5h http", want("/h"), []string{"--socks5-hostname", socks, plain.URL + "/h"}},
		{"socks5h https", want("/hs"), []string{"--socks5-hostname", socks, "--cacert", caPath, secure.URL + "/hs"}},
		{"socks5 (IP) https", want("/ip"), []string{"--socks5", socks, "--cacert", caPath, secure.URL + "/ip"}},
		{"socks5h URL", want("/x"), []string{"-x", "socks5h://" + socks, plain.URL + "/x"}},
	}
	for _, ck := range checks {
		if out := string(curl(t, ck.args...)); !strings.Contains(out, ck.want) {
			t.Errorf("%s: %s, want %s", ck.name, out, ck.want)
		}
	}

	if code := c.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d:\n%s", code, c.stderr)
	}
	// Flow lines name the listener unless it is a regular one.
	out := c.stdout.String()
	if strings.Contains(out, ") GET "+plain.URL+"/r ") || !strings.Contains(out, " (socks5@") || !strings.Contains(out, " (reverse:"+secure.URL+"@") {
		t.Errorf("dump output names a regular listener, or not the others:\n%s", out)
	}
	for name, a := range addrs {
		if conn, err := net.DialTimeout("tcp", a, 5*time.Second); err == nil {
			conn.Close()
			t.Errorf("listener %s at %s still open after SIGTERM", name, a)
		}
	}
	store, err := session.Open(c.session, session.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	got := map[string]string{} // path → listener
	for f := range store.All(nil) {
		if f.Request != nil && f.State == session.Done {
			got[f.Request.URL] = f.Listener
		}
	}
	for url, prefix := range map[string]string{
		plain.URL + "/r": "regular@", plain.URL + "/api/v?x=1": "reverse:" + plain.URL + "/api@",
		secure.URL + "/t": "reverse:" + secure.URL + "@", secure.URL + "/ip": "socks5@", plain.URL + "/h": "socks5@",
	} {
		if !strings.HasPrefix(got[url], prefix) {
			t.Errorf("flow %s: listener %q, want %s…", url, got[url], prefix)
		}
	}
}

// TestSOCKS5CredentialsEndToEnd: beyond loopback a SOCKS5 listener needs
// --proxy-auth like a regular one; with it, curl's credentials get
// through and wrong ones are refused.
func TestSOCKS5CredentialsEndToEnd(t *testing.T) {
	testutil.NeedCommand(t, "curl")
	if _, stderr, code := runSiphon(t, "dump", "--mode", "socks5@0.0.0.0:0"); code != 2 || !strings.Contains(stderr, "--proxy-auth") {
		t.Errorf("socks5 beyond loopback without --proxy-auth: exit %d, %q", code, stderr)
	}
	plain := httptest.NewServer(origin())
	defer plain.Close()
	c := startDump(t, "", "--proxy-auth", "u:p", "--mode", "regular@0", "--mode", "socks5@0")
	socks := byPrefix(t, listenerAddrs(t, c.stderr.String()), "socks5@")
	if out := string(curl(t, "-x", "socks5h://u:p@"+socks, plain.URL+"/in")); !strings.Contains(out, `"uri":"/in"`) {
		t.Errorf("with credentials: %s", out)
	}
	if out, err := exec.Command("curl", "-sS", "--max-time", "20", "-x", "socks5h://u:bad@"+socks, plain.URL+"/out").CombinedOutput(); err == nil {
		t.Errorf("wrong credentials got through: %s", out)
	}
	c.stop(t, syscall.SIGTERM)
	if !strings.Contains(c.stdout.String(), "wrong SOCKS5 credentials") {
		t.Errorf("no flow line for the refused client:\n%s", c.stdout)
	}
}

// TestBadMode: a bad --mode is one line and exit 2.
func TestBadMode(t *testing.T) {
	for _, m := range []string{"bogus", "reverse:ftp://x", "reverse:", "socks5@", "socks5@99999", "regular:x", "socks5@host:port"} {
		_, stderr, code := runSiphon(t, "dump", "--mode", m)
		if code != 2 || !strings.HasPrefix(stderr, "siphon: bad --mode") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("--mode %s: exit %d, %q", m, code, stderr)
		}
	}
}
