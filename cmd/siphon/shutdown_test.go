package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/session"
)

func TestSIGINTFinishesInFlightFlows(t *testing.T) {
	arrived := make(chan struct{})
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
		io.WriteString(w, "late but complete")
	}))
	defer slow.Close()
	c := startDump(t, "")
	proxyURL, _ := url.Parse("http://" + c.addr)
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}, Timeout: 20 * time.Second}

	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		res, err := client.Get(slow.URL + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		got <- result{string(b), err}
	}()
	<-arrived
	c.cmd.Process.Signal(syscall.SIGINT)
	// Once siphon stops accepting, the in-flight request is released.
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", c.addr, time.Second)
		if err != nil {
			break
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatal("siphon still accepts connections 10s after SIGINT")
		}
		<-time.After(10 * time.Millisecond)
	}
	close(release)
	r := <-got
	if r.err != nil || r.body != "late but complete" {
		t.Fatalf("in-flight request: %q %v", r.body, r.err)
	}
	<-c.exited
	if code := c.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	store, err := session.Open(c.session, session.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	flows := store.List(nil, 0, 10)
	if len(flows) != 1 || flows[0].State != session.Done || flows[0].Response.Body.Size != int64(len("late but complete")) {
		t.Fatalf("stored after SIGINT: %d flows %+v", len(flows), flows)
	}
}
