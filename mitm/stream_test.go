package mitm

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/siphonproxy/siphon/session"
)

func TestServerSentEventsArriveBeforeStreamEnds(t *testing.T) {
	release := make(chan struct{})
	origin := httptest.NewTLSServer(heldEvents(release, "second"))
	defer origin.Close()
	var releaseOnce sync.Once
	let := func() { releaseOnce.Do(func() { close(release) }) }
	defer let() // before origin.Close, which waits for the held stream
	tp := startProxy(t, Config{RootCAs: poolOf(origin.Certificate())})
	c := tp.client()
	for i := range 2 { // twice: the connection is reused after a stream
		res, err := c.Get(origin.URL + "/events")
		if err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(res.Body)
		got := make(chan string, 1)
		go func() {
			line, _ := br.ReadString('\n')
			got <- line
		}()
		select {
		case line := <-got:
			if line != "data: first\n" {
				t.Fatalf("first line %q", line)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("first event held back until the stream ends")
		}
		if i == 0 {
			// The flow shows the first event while the stream is open.
			tp.rec.wait(t, "with its first event while open", func(f *session.Flow) bool {
				return f.State == session.Pending && f.Response != nil && string(f.Response.Body.Data) == "data: first\n\n"
			})
			let()
		}
		rest, _ := io.ReadAll(br)
		res.Body.Close()
		if string(rest) != "\ndata: second\n\n" {
			t.Fatalf("rest %q", rest)
		}
	}
	f := tp.rec.wait(t, "sse", finalFor(origin.URL+"/events"))
	if f.Response == nil || string(f.Response.Body.Data) != "data: first\n\ndata: second\n\n" {
		t.Errorf("captured stream body: %+v", f.Response)
	}
}

func TestWebSocketEchoPlainAndMITM(t *testing.T) {
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if c.Write(r.Context(), typ, msg) != nil {
				return
			}
		}
	})
	plain := httptest.NewServer(echo)
	defer plain.Close()
	secure := httptest.NewTLSServer(echo)
	defer secure.Close()
	tp := startProxy(t, Config{RootCAs: poolOf(secure.Certificate())})
	for _, base := range []string{plain.URL, secure.URL} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		wsURL := "ws" + strings.TrimPrefix(base, "http") + "/ws"
		conn, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPClient: tp.client()})
		if err != nil {
			t.Fatalf("dial %s through proxy: %v", wsURL, err)
		}
		for i := range 3 {
			msg := []byte(strings.Repeat("x", 10+i*200))
			if err := conn.Write(ctx, websocket.MessageText, msg); err != nil {
				t.Fatal(err)
			}
			_, got, err := conn.Read(ctx)
			if err != nil || string(got) != string(msg) {
				t.Fatalf("echo %d: %q %v", i, got, err)
			}
		}
		conn.Close(websocket.StatusNormalClosure, "bye")
		f := tp.rec.wait(t, "websocket", finalFor(base+"/ws"))
		if f.Kind != session.WebSocket || f.Response == nil || f.Response.Status != 101 || f.Stream == nil {
			t.Fatalf("flow kind %v response %+v stream %+v", f.Kind, f.Response, f.Stream)
		}
		// Three messages and a close frame each way.
		if f.Stream.FramesUp < 4 || f.Stream.FramesDown < 3 || f.Stream.BytesUp < 600 || f.Stream.BytesDown < 600 {
			t.Errorf("%s stream stats %+v", wsURL, f.Stream)
		}
		// Each message was recorded once each way, with its payload,
		// before the flow completed.
		msgs := tp.rec.messages(f.ID)
		var up, down int
		for _, m := range msgs {
			if m.Opcode != session.OpText {
				continue
			}
			i := up
			if m.Dir == session.Down {
				i = down
				down++
			} else {
				up++
			}
			if want := strings.Repeat("x", 10+i*200); string(m.Data) != want || m.Note != "" {
				t.Errorf("%s message %v %d: %q note %q", wsURL, m.Dir, i, m.Data, m.Note)
			}
		}
		if up != 3 || down != 3 || msgs[len(msgs)-1].Opcode != session.OpClose {
			t.Errorf("%s recorded %d up, %d down: %+v", wsURL, up, down, msgs)
		}
	}
	// Frames are not HTTP: closing the connections must not record them
	// as malformed requests (Shutdown waits until every one is closed).
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	tp.Shutdown(ctx)
	tp.rec.mu.Lock()
	defer tp.rec.mu.Unlock()
	for _, f := range tp.rec.flows {
		if f.Err != nil {
			t.Errorf("flow %s %s failed: %+v", f.Request.Method, f.Request.URL, f.Err)
		}
	}
}

func TestExpectContinueDoesNotStall(t *testing.T) {
	origin := httptest.NewServer(echoOrigin())
	defer origin.Close()
	tp := startProxy(t, Config{})
	c := tp.client()
	// The client waits for 100 Continue for an hour: the request completes
	// within the test's limits only if siphon answers it.
	c.Transport.(*http.Transport).ExpectContinueTimeout = time.Hour
	req, _ := http.NewRequest("PUT", origin.URL+"/upload", strings.NewReader("payload"))
	req.Header.Set("Expect", "100-continue")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), `"body":"payload"`) {
		t.Errorf("origin got %s", b)
	}
}

func TestPassthroughKeepsOriginCertificate(t *testing.T) {
	origin := httptest.NewTLSServer(echoOrigin())
	defer origin.Close()
	host := strings.TrimPrefix(origin.URL, "https://")
	tp := startProxy(t, Config{IgnoreHosts: mustRegexps(t, `^127\.0\.0\.1:`)})
	c := &http.Client{Transport: &http.Transport{
		Proxy:           http.ProxyURL(&url.URL{Scheme: "http", Host: tp.addr}),
		TLSClientConfig: &tls.Config{RootCAs: poolOf(origin.Certificate())},
	}}
	res, err := c.Get(origin.URL + "/pass")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if !res.TLS.PeerCertificates[0].Equal(origin.Certificate()) {
		t.Error("client did not see the origin's own certificate")
	}
	c.CloseIdleConnections()
	f := tp.rec.wait(t, "tunnel", finalFor(host))
	if f.Kind != session.Tunnel || f.Stream == nil || f.Stream.BytesUp == 0 || f.Stream.BytesDown == 0 || f.Err != nil {
		t.Errorf("tunnel flow kind %v stream %+v err %v", f.Kind, f.Stream, f.Err)
	}
}

func TestUpstreamProxyWithCredentials(t *testing.T) {
	plain := httptest.NewServer(echoOrigin())
	defer plain.Close()
	secure := httptest.NewTLSServer(echoOrigin())
	defer secure.Close()
	// The upstream is another siphon that demands credentials.
	upstream := startProxy(t, Config{RootCAs: poolOf(secure.Certificate()), Auth: &Credentials{User: "u", Pass: "p w"}})
	tp := startProxy(t, Config{
		Upstream: &url.URL{Scheme: "http", Host: upstream.addr, User: url.UserPassword("u", "p w")},
		RootCAs:  upstream.minter.CA().Pool(),
	})
	for _, u := range []string{plain.URL + "/via", secure.URL + "/via"} {
		res, err := tp.client().Get(u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(b), "/via") {
			t.Fatalf("GET %s via upstream: %d %s", u, res.StatusCode, b)
		}
		// The credentials for the upstream proxy stop there.
		if seen := res.Header.Get("X-Seen-Proxy-Conn"); seen != "" {
			t.Errorf("origin saw proxy headers %q", seen)
		}
		upstream.rec.wait(t, "at upstream", finalFor(u))
	}
	// Without credentials the upstream refuses, plain and CONNECT alike.
	res, err := upstream.client().Get(plain.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusProxyAuthRequired || res.Header.Get("Proxy-Authenticate") == "" {
		t.Errorf("no credentials: %d %v", res.StatusCode, res.Header)
	}
	if _, err := upstream.client().Get(secure.URL + "/x"); err == nil || !strings.Contains(err.Error(), "Proxy Authentication Required") {
		t.Errorf("CONNECT without credentials: %v", err)
	}
}

func TestLargeDownloadMemoryIsBounded(t *testing.T) {
	const size = 256 << 20
	chunk := make([]byte, 1<<20)
	origin := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "268435456")
		for range size / len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer origin.Close()
	tp := startProxy(t, Config{RootCAs: poolOf(origin.Certificate())})

	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	res, err := tp.client().Get(origin.URL + "/big")
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	close(stop)
	<-sampled
	if err != nil || n != size {
		t.Fatalf("downloaded %d bytes, err %v", n, err)
	}
	f := tp.rec.wait(t, "big", finalFor(origin.URL+"/big"))
	b := f.Response.Body
	if b.Size != size || !b.Truncated || len(b.Data) != DefaultBodyLimit {
		t.Errorf("captured body: size %d truncated %v kept %d", b.Size, b.Truncated, len(b.Data))
	}
	t.Logf("256 MiB download: peak heap in use %.1f MiB (test, proxy and origin together)", float64(peak.Load())/(1<<20))
	if peak.Load() > 128<<20 {
		t.Errorf("peak heap %d MiB: the body is being buffered", peak.Load()>>20)
	}
}

func TestQuickResponseIsPublishedOnce(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"ok":true}`)
	}))
	defer origin.Close()
	tp := startProxy(t, Config{})
	res, err := tp.client().Get(origin.URL + "/quick")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	f := tp.rec.wait(t, "quick", finalFor(origin.URL+"/quick"))
	if f.Response == nil || f.Response.Status != 200 || string(f.Response.Body.Data) != `{"ok":true}` {
		t.Fatalf("captured response: %+v", f.Response)
	}
	// Added with its request, then one update with the whole response:
	// the headers wait for a body that follows at once.
	if n := tp.rec.updateCount(f.Seq); n != 1 {
		t.Errorf("a quick response was published in %d updates, want 1", n)
	}
}

func TestSlowBodyShowsStatusBeforeItEnds(t *testing.T) {
	release := make(chan struct{})
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "01234")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "56789")
	}))
	defer origin.Close()
	tp := startProxy(t, Config{})
	done := make(chan []byte, 1)
	go func() {
		res, err := tp.client().Get(origin.URL + "/slow")
		if err != nil {
			done <- nil
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		done <- b
	}()
	// Within headersGrace of the headers, with half the body still to come.
	tp.rec.wait(t, "slow with its status while pending", func(f *session.Flow) bool {
		return f.State == session.Pending && f.Response != nil && f.Response.Status == http.StatusAccepted
	})
	close(release)
	if b := <-done; string(b) != "0123456789" {
		t.Fatalf("client got %q", b)
	}
	f := tp.rec.wait(t, "slow", finalFor(origin.URL+"/slow"))
	if string(f.Response.Body.Data) != "0123456789" {
		t.Errorf("captured body %q", f.Response.Body.Data)
	}
}

// heldEvents is an event stream that sends "data: first", then waits for
// release (or the client to go) before "data: "+last. The stream goes on
// only once the client has seen the first event: a proxy that buffers
// would deadlock.
func heldEvents(release <-chan struct{}, last string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: first\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "data: "+last+"\n\n")
	}
}
