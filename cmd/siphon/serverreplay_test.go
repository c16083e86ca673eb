package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// deadUpstream makes any request server replay does not answer fail on a
// refused loopback port: nothing a test does can leave the machine.
const deadUpstream = "http://127.0.0.1:1"

func TestServerReplayServesRecordedResponses(t *testing.T) {
	var n atomic.Int64
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Call", fmt.Sprint(n.Add(1)))
		fmt.Fprintf(w, "%s %s call %d", r.Method, r.URL.Path, n.Load())
	})
	plain := httptest.NewServer(handler)
	secure := httptest.NewTLSServer(handler)
	originCA := writePEM(t, secure.Certificate())

	rec := startDump(t, "", "--upstream-ca", originCA)
	proxy := "http://" + rec.addr
	caPath := filepath.Join(rec.home, "ca.pem")
	first := string(curl(t, "-x", proxy, plain.URL+"/a"))
	second := string(curl(t, "-x", proxy, plain.URL+"/a"))
	post := string(curl(t, "-x", proxy, "--cacert", caPath, "-X", "POST", "--data", "x", secure.URL+"/b"))
	if code := rec.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("recording siphon exited %d", code)
	}
	plain.Close()
	secure.Close() // the origins are gone: only the session can answer

	rep := startDump(t, "", "--server-replay", rec.session, "--upstream", deadUpstream)
	proxy = "http://" + rep.addr
	caPath = filepath.Join(rep.home, "ca.pem")
	for i, want := range []string{first, second, second} {
		if got := string(curl(t, "-x", proxy, plain.URL+"/a")); got != want {
			t.Errorf("replayed GET /a #%d = %q, want %q", i+1, got, want)
		}
	}
	if got := string(curl(t, "-x", proxy, "--cacert", caPath, "-X", "POST", "--data", "x", secure.URL+"/b")); got != post {
		t.Errorf("replayed HTTPS POST = %q, want %q", got, post)
	}
	// A request the session does not hold goes upstream (here: refused).
	miss := string(curl(t, "-x", proxy, plain.URL+"/never-recorded"))
	if !strings.Contains(miss, "siphon:") || strings.Contains(miss, "call") {
		t.Errorf("unmatched request: %q", miss)
	}
	rep.stop(t, syscall.SIGTERM)

	strict := startDump(t, "", "--server-replay", rec.session, "--replay-strict", "--upstream", deadUpstream)
	out := string(curl(t, "-x", "http://"+strict.addr, "-w", "\n%{http_code}", plain.URL+"/b"))
	if !strings.HasSuffix(out, "\n502") || !strings.Contains(out, "GET "+plain.URL+"/a") {
		t.Errorf("strict miss should be a 502 naming the nearest recorded request:\n%s", out)
	}
	strict.stop(t, syscall.SIGTERM)
	st, err := session.Open(strict.session, session.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	flows := st.List(nil, 0, 10)
	if len(flows) != 1 || flows[0].Err == nil || !strings.Contains(flows[0].Err.Msg, "server replay miss") {
		t.Errorf("strict miss flow: %+v", flows)
	}
}

func TestServerReplayAnswersForHostsThatNoLongerExist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "recorded.db")
	st, err := session.Open(path, session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Content-Type": {"text/plain"}}
	st.Add(&session.Flow{State: session.Done, Kind: session.HTTP,
		Request:  &session.Request{Method: "GET", URL: "https://gone.invalid/status", Proto: "HTTP/1.1", Header: http.Header{}},
		Response: &session.Response{Status: 200, Reason: "OK", Proto: "HTTP/1.1", Header: h, Body: session.Body{Data: []byte("still here"), Size: 10}},
	})
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	c := startDump(t, "", "--server-replay", path, "--upstream", deadUpstream)
	got := string(curl(t, "-x", "http://"+c.addr, "--cacert", filepath.Join(c.home, "ca.pem"), "https://gone.invalid/status"))
	if got != "still here" {
		t.Errorf("got %q", got)
	}
}
