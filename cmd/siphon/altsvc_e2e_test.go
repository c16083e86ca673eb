package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
)

// siphon removes Alt-Svc entries that advertise HTTP/3 from what clients
// get; --keep-alt-svc keeps them.
func TestKeepAltSvcFlag(t *testing.T) {
	const sent = `h3=":443"; ma=86400, h2=":8443"`
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Alt-Svc", sent)
		io.WriteString(w, "ok")
	}))
	defer origin.Close()
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, `Alt-Svc: h2=":8443"`},
		{[]string{"--keep-alt-svc"}, "Alt-Svc: " + sent},
	} {
		d := startDump(t, "", c.args...)
		out, err := exec.Command("curl", "-sS", "-D", "-", "-o", "/dev/null", "--max-time", "20", "-x", "http://"+d.addr, origin.URL+"/alt").CombinedOutput()
		if err != nil || !strings.Contains(string(out), c.want+"\r\n") {
			t.Errorf("siphon dump %v: %v, headers:\n%s\nwant %q", c.args, err, out, c.want)
		}
	}
}
