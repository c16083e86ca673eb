package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/siphonproxy/siphon/session"
)

// storeScenario measures siphon's session store in this process, driven
// as the proxy drives it: each flow added when its request arrives, then
// updated with the response and again when it completes.
func storeScenario(p plan) *scenario {
	var openPath string // the big session, written once and opened each repetition
	return &scenario{
		key: "store", title: "siphon's session store (in process)",
		metrics: []metric{
			{key: "fps", label: "flows persisted", unit: "flows/s", prec: 0, targets: []target{atLeast(50_000, "flows/s")}},
			{key: "heap", label: "heap per recorded flow", unit: "B", prec: 0, targets: []target{below(1024, "B")}},
			{key: "open", label: fmt.Sprintf("open %s-flow session", group(float64(p.openFlows), 0)), unit: "s", prec: 3, targets: []target{below(2, "s")}},
			{key: "openheap", label: "heap per opened flow", unit: "B", prec: 0, targets: []target{below(1024, "B")}},
		},
		run: func(ctx context.Context, e *env, l *leg, rep int) (measurement, error) {
			m := measurement{values: map[string]float64{}}
			dir, err := os.MkdirTemp(e.dir, "store-")
			if err != nil {
				return m, err
			}
			defer os.RemoveAll(dir)
			fps, heap, err := recordFlows(ctx, filepath.Join(dir, "record.db"), e.plan.storeFlows)
			if err != nil {
				return m, err
			}
			m.values["fps"], m.values["heap"] = fps, heap
			if openPath == "" {
				openPath = filepath.Join(e.dir, fmt.Sprintf("open-%d.db", e.plan.openFlows))
				if err := writeSession(openPath, e.plan.openFlows); err != nil {
					openPath = ""
					return m, err
				}
			}
			took, heap, err := openSession(openPath, e.plan.openFlows)
			if err != nil {
				return m, err
			}
			m.values["open"], m.values["openheap"] = took.Seconds(), heap
			m.requests = e.plan.storeFlows
			return m, nil
		},
	}
}

// recordFlows records n flows into a new session at path, waits until all
// are committed, and returns flows per second and the Go heap each flow
// still holds once committed (metadata only: bodies are on disk).
func recordFlows(ctx context.Context, path string, n int) (perSec, heapPerFlow float64, err error) {
	before := heapInUse()
	// As siphon dump opens its live store: the proxy hands over header
	// maps it never changes again.
	s, err := session.Open(path, session.Options{ShareHeaders: true})
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	for i := range n {
		if i%1024 == 0 && ctx.Err() != nil {
			s.Close()
			return 0, 0, ctx.Err()
		}
		f := storeFlow(i)
		res := f.Response
		f.State, f.Response = session.Pending, nil
		s.Add(f)
		f.Response = res
		if err := s.Update(f); err != nil {
			s.Close()
			return 0, 0, err
		}
		f.State = session.Done
		if err := s.Update(f); err != nil {
			s.Close()
			return 0, 0, err
		}
	}
	if err := s.Flush(); err != nil {
		s.Close()
		return 0, 0, err
	}
	perSec = float64(n) / time.Since(start).Seconds()
	if got := s.Len(); got != n {
		s.Close()
		return 0, 0, fmt.Errorf("store holds %d flows after recording %d", got, n)
	}
	heapPerFlow = float64(heapInUse()-before) / float64(n)
	runtime.KeepAlive(s)
	return perSec, heapPerFlow, s.Close()
}

// writeSession writes a session of n flows at path.
func writeSession(path string, n int) error {
	s, err := session.Open(path, session.Options{})
	if err != nil {
		return err
	}
	for i := range n {
		s.Add(storeFlow(i))
	}
	return s.Close()
}

// openSession times opening the session at path as siphon --session does
// (read-write, every flow's metadata loaded) and returns the heap per flow.
func openSession(path string, n int) (time.Duration, float64, error) {
	before := heapInUse()
	start := time.Now()
	s, err := session.Open(path, session.Options{})
	took := time.Since(start)
	if err != nil {
		return 0, 0, err
	}
	if got := s.Len(); got != n {
		s.Close()
		return 0, 0, fmt.Errorf("opened %d flows, want %d", got, n)
	}
	heap := float64(heapInUse()-before) / float64(n)
	runtime.KeepAlive(s)
	return took, heap, s.Close()
}

// heapInUse is the live Go heap after a collection.
func heapInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// storeFlow is flow i as siphon records a client fetching a small JSON
// document over HTTPS: browser-like headers, a 1 KiB body.
func storeFlow(i int) *session.Flow {
	t := session.StampOf(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(i) * time.Millisecond))
	body := []byte(`{"items":[` + strings.Repeat(`{"id":1,"ok":true},`, 50) + `{"id":2}]}`)
	return &session.Flow{
		State:  session.Done,
		Source: session.Live,
		Kind:   session.HTTP,
		Client: session.Peer{Addr: fmt.Sprintf("127.0.0.1:%d", 30000+i%30000), SNI: "api.bench.test", TLSVersion: "TLS 1.3", ALPN: "http/1.1"},
		Server: session.Peer{Addr: "127.0.0.1:8443"},
		Request: &session.Request{Method: http.MethodGet, URL: fmt.Sprintf("https://api.bench.test/v1/items/%d?page=2", i),
			Proto: "HTTP/1.1", Header: http.Header{
				"User-Agent":      {"Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0"},
				"Accept":          {"application/json"},
				"Accept-Language": {"en-US,en;q=0.5"},
				"Accept-Encoding": {"gzip, deflate, br"},
				"Cookie":          {"session=0123456789abcdef; theme=dark"},
				"Referer":         {"https://bench.test/"},
			}},
		Response: &session.Response{Status: 200, Reason: "OK", Proto: "HTTP/1.1", Header: http.Header{
			"Content-Type":   {"application/json"},
			"Content-Length": {fmt.Sprint(len(body))},
			"Date":           {"Fri, 02 Jan 2026 03:04:05 GMT"},
			"Cache-Control":  {"no-cache"},
			"Etag":           {`W/"400-abc"`},
			"Vary":           {"Accept-Encoding"},
		}, Body: session.Body{Data: body, Size: int64(len(body))}},
		Timings: session.Timings{ClientConnect: t, RequestReceived: t.Add(100 * time.Microsecond),
			ConnectStart: t.Add(150 * time.Microsecond), ConnectDone: t.Add(300 * time.Microsecond),
			RequestSent: t.Add(400 * time.Microsecond), FirstByte: t.Add(900 * time.Microsecond),
			Complete: t.Add(time.Millisecond)},
	}
}
