package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/session"
)

func TestSIGKILLKeepsFlowsCompletedASecondBefore(t *testing.T) {
	origin := httptest.NewServer(origin())
	defer origin.Close()
	c := startDump(t, "")
	proxyURL, _ := url.Parse("http://" + c.addr)
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}, Timeout: 10 * time.Second}

	type done struct {
		url string
		at  time.Time
	}
	var mu sync.Mutex
	progress := make(chan struct{}, 1)
	var completed []done
	get := func(u string) {
		res, err := client.Get(u)
		if err != nil {
			return
		}
		_, err = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if err == nil && res.StatusCode == 200 {
			mu.Lock()
			completed = append(completed, done{u, time.Now()})
			mu.Unlock()
			select {
			case progress <- struct{}{}:
			default:
			}
		}
	}

	// Traffic runs in two workers until the kill; the test kills once
	// enough of it is older than a second (bounded in count and time).
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				get(fmt.Sprintf("%s/w%d/%d", origin.URL, w, i))
			}
		}()
	}
	giveUp := time.After(15 * time.Second)
	for fifty := false; !fifty; {
		select {
		case <-progress:
			mu.Lock()
			fifty = len(completed) >= 50
			mu.Unlock()
		case <-giveUp:
			t.Fatal("fewer than 50 requests completed in 15s")
		}
	}
	// The property is about age: let the traffic run on for a while so
	// that many completed flows are over a second old at the kill.
	<-time.After(1500 * time.Millisecond)
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killedAt := time.Now()
	<-c.exited
	close(stop)
	wg.Wait()

	store, err := session.Open(c.session, session.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
	defer store.Close()
	stored := map[string]bool{}
	for _, f := range store.List(nil, 0, 1<<30) {
		if f.State == session.Done {
			stored[f.Request.URL] = true
		}
	}
	mu.Lock()
	defer mu.Unlock()
	old, missing := 0, 0
	for _, d := range completed {
		if killedAt.Sub(d.at) > time.Second {
			old++
			if !stored[d.url] {
				missing++
				t.Errorf("flow %s completed %v before the kill but is not in the session", d.url, killedAt.Sub(d.at))
			}
		}
	}
	t.Logf("%d requests completed, %d of them over a second before SIGKILL, %d stored, %d missing", len(completed), old, len(stored), missing)
	if old == 0 {
		t.Fatal("no request completed a second before the kill: the test proved nothing")
	}
}
