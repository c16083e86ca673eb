package main

import (
	"net/http/httptest"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/siphonproxy/siphon/internal/testutil"
)

// TestChainThroughSOCKS5 chains one siphon through a second one in
// socks5 mode with --proxy-auth: curl's requests (plain and HTTPS) arrive
// and both siphons show them; wrong credentials give a 502 that says why
// and a failed flow.
func TestChainThroughSOCKS5(t *testing.T) {
	testutil.NeedCommand(t, "curl")
	plain := httptest.NewServer(origin())
	defer plain.Close()
	secure := httptest.NewTLSServer(origin())
	defer secure.Close()
	originCA := writePEM(t, secure.Certificate())

	second := startProxied(t, originCA, "--proxy-auth", "u:p", "--mode", "regular@0", "--mode", "socks5@0")
	socks := byPrefix(t, listenerAddrs(t, second.stderr.String()), "socks5@")
	// The first siphon trusts the origin's CA and the second siphon's.
	first := startProxied(t, second.caPath, "--upstream", "socks5h://u:p@"+socks)

	if out := string(curl(t, "-x", "http://"+first.addr, plain.URL+"/chained")); !strings.Contains(out, `"uri":"/chained"`) {
		t.Errorf("plain through the chain: %s", out)
	}
	if out := string(curl(t, "-x", "http://"+first.addr, "--cacert", first.caPath, secure.URL+"/tls")); !strings.Contains(out, `"uri":"/tls"`) {
		t.Errorf("HTTPS through the chain: %s", out)
	}
	wrong := startDump(t, "", "--upstream", "socks5h://u:wrong@"+socks)
	out, _ := exec.Command("curl", "-sS", "--max-time", "20", "-w", "%{http_code}", "-x", "http://"+wrong.addr, plain.URL+"/denied").CombinedOutput()
	if !strings.HasSuffix(string(out), "502") || !strings.Contains(string(out), "SOCKS5 proxy "+socks) {
		t.Errorf("wrong credentials: %s", out)
	}

	for _, c := range []*child{first.child, second.child, wrong} {
		c.stop(t, syscall.SIGTERM)
	}
	for name, c := range map[string]*child{"first": first.child, "second": second.child} {
		for _, path := range []string{plain.URL + "/chained", secure.URL + "/tls"} {
			if !strings.Contains(c.stdout.String(), path) {
				t.Errorf("the %s siphon did not print %s:\n%s", name, path, c.stdout)
			}
		}
	}
	if !strings.Contains(wrong.stdout.String(), "/denied") || !strings.Contains(second.stdout.String(), "wrong SOCKS5 credentials") {
		t.Errorf("no failed flows for the wrong credentials:\n%s\n%s", wrong.stdout, second.stdout)
	}
}
