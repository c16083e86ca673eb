//go:build unix

package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Closing the terminal siphon dump runs in (SIGHUP) is a clean shutdown,
// as SIGINT and SIGTERM are: the flow that completed just before is
// saved, the process exits 0, and the session's lock file is gone.
func TestSIGHUPIsACleanShutdown(t *testing.T) {
	origin := httptest.NewServer(origin())
	defer origin.Close()
	c := startDump(t, "")
	proxyURL, _ := url.Parse("http://" + c.addr)
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}, Timeout: 20 * time.Second}
	res, err := client.Get(origin.URL + "/just-before")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()

	if code := c.stop(t, syscall.SIGHUP); code != 0 {
		t.Errorf("exit code %d after SIGHUP, want 0:\n%s", code, c.stderr)
	}
	for _, left := range []string{".lock", "-wal", "-shm"} {
		if _, err := os.Stat(c.session + left); !os.IsNotExist(err) {
			t.Errorf("SIGHUP left %s%s (%v)", c.session, left, err)
		}
	}
	stdout, stderr, code := runSiphon(t, "dump", "--read", c.session)
	if code != 0 || !strings.Contains(stdout, origin.URL+"/just-before") {
		t.Errorf("dump --read after SIGHUP: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
