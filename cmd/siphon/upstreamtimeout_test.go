package main

import (
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// --upstream-timeout takes a duration, 0 (the default) meaning no limit;
// a bad value is one line on stderr and exit 2, in both commands that run
// the proxy.
func TestUpstreamTimeoutFlag(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"dump", "--upstream-timeout", "soon"}, "want a duration"},
		{[]string{"--upstream-timeout", "soon"}, "want a duration"},
		{[]string{"dump", "--upstream-timeout=-5s"}, "must not be negative"},
		{[]string{"--upstream-timeout", "-1ms"}, "must not be negative"},
	} {
		_, stderr, code := runSiphon(t, c.args...)
		if code != 2 || !strings.Contains(stderr, "-upstream-timeout: "+c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("siphon %v: exit %d, stderr %q; want exit 2 and one line saying %q", c.args, code, stderr, c.want)
		}
	}
	for _, c := range []struct {
		args []string
		want time.Duration
	}{
		{nil, 0},
		{[]string{"--upstream-timeout", "0"}, 0},
		{[]string{"--upstream-timeout", "90s"}, 90 * time.Second},
	} {
		fs := newFlagSet("dump")
		var o proxyOptions
		o.register(fs)
		must(t, parseFlags(fs, c.args))
		if o.upstreamTimeout != c.want {
			t.Errorf("siphon dump %v: upstream timeout %v, want %v", c.args, o.upstreamTimeout, c.want)
		}
	}
}

// The flag reaches the proxy: a server slower than the limit gets the
// client a 502 that names the flag.
func TestUpstreamTimeoutReachesProxy(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	d := startDump(t, "", "--upstream-timeout", "100ms")
	out, err := exec.Command("curl", "-sS", "--max-time", "20", "-x", "http://"+d.addr, slow.URL+"/slow").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--upstream-timeout is 100ms") {
		t.Fatalf("curl through siphon dump --upstream-timeout 100ms: %v %s", err, out)
	}
}
