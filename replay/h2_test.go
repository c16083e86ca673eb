package replay

import (
	"context"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/session"
)

// asProto is a flow of a GET to url that a client sent with proto.
func asProto(url, proto string) *session.Flow {
	f := seenAsFlow(seen{Method: "GET", URL: url, Header: http.Header{"User-Agent": {"t"}}})
	f.Request.Proto = proto
	return f
}

// TestSenderReplaysHTTP2OverHTTP2 replays flows through siphon: one a
// client sent over HTTP/2 must reach siphon over HTTP/2 again (the replay's
// flow records it), an HTTP/1.1 one over HTTP/1.1, and a plain-HTTP one
// marked HTTP/2 over HTTP/1.1, the only protocol of siphon's plain
// listener.
func TestSenderReplaysHTTP2OverHTTP2(t *testing.T) {
	secure, plain := newEchoOrigin(t, true), newEchoOrigin(t, false)
	c := startCapture(t, secure, plain)
	s := c.sender(t)
	for _, tc := range []struct {
		url, proto, want, alpn string
	}{
		{secure.URL + "/h2", "HTTP/2.0", "HTTP/2.0", "h2"},
		{secure.URL + "/har-h2", "h2", "HTTP/2.0", "h2"},
		{secure.URL + "/h1", "HTTP/1.1", "HTTP/1.1", ""}, // Go offers no ALPN then
		{plain.URL + "/h2-plain", "HTTP/2.0", "HTTP/1.1", ""},
	} {
		res := s.Send(context.Background(), asProto(tc.url, tc.proto))
		if res.Err != nil || res.Status != 200 || res.FlowID == "" {
			t.Fatalf("replay of %s (%s): %+v", tc.url, tc.proto, res)
		}
		if got := secureOrPlain(tc.url, secure, plain).next(t); got.URL != tc.url {
			t.Errorf("origin saw %s, want %s", got.URL, tc.url)
		}
		got := c.waitFlows(t, 1, func(f *session.Flow) bool { return f.ID == res.FlowID })[0]
		if got.Request.Proto != tc.want || got.Client.ALPN != tc.alpn || got.Source != session.Replay {
			t.Errorf("replay of %s (%s) reached siphon over %q, ALPN %q, source %v; want %q, ALPN %q, replay",
				tc.url, tc.proto, got.Request.Proto, got.Client.ALPN, got.Source, tc.want, tc.alpn)
		}
	}
}

func secureOrPlain(url string, secure, plain *echoOrigin) *echoOrigin {
	if strings.HasPrefix(url, "https:") {
		return secure
	}
	return plain
}

// TestRunnerTellsConcurrentHTTP2ReplaysApart replays distinct HTTP/2
// flows 8 at a time: each result must name the flow that captured it,
// which holds only if no two replays share a connection (the Marker tells
// replays apart by connection).
func TestRunnerTellsConcurrentHTTP2ReplaysApart(t *testing.T) {
	o := newEchoOrigin(t, true)
	c := startCapture(t, o)
	var flows []*session.Flow
	for i := range 32 {
		flows = append(flows, asProto(o.URL+"/c/"+strconv.Itoa(i), "HTTP/2.0"))
	}
	var results []Result
	r := &Runner{Sender: c.sender(t), Concurrency: 8, OnResult: func(res Result) { results = append(results, res) }}
	if sum := r.Run(context.Background(), flows); sum.Count != 32 || sum.Errors != 0 {
		t.Fatalf("summary %+v, want 32 sent without errors", sum)
	}
	byID := map[string]*session.Flow{}
	for _, f := range c.waitFlows(t, 32, isSource(session.Replay)) {
		byID[f.ID] = f
	}
	for _, res := range results {
		got := byID[res.FlowID]
		if got == nil {
			t.Errorf("replay of %s reports flow %q, not a replay", res.Flow.Request.URL, res.FlowID)
		} else if got.Request.URL != res.Flow.Request.URL || got.Request.Proto != "HTTP/2.0" {
			t.Errorf("replay of %s reports the flow of %s over %s", res.Flow.Request.URL, got.Request.URL, got.Request.Proto)
		}
	}
	for range 32 {
		o.next(t)
	}
}

// TestCurlAsksForHTTP2 runs exported commands against an HTTP/2 origin
// with a curl whose configuration asks for HTTP/1.1 (as curl does by
// default without nghttp2): the command of a flow sent over HTTP/2 must
// reach the origin over HTTP/2, that of an HTTP/1.1 flow over HTTP/1.1.
func TestCurlAsksForHTTP2(t *testing.T) {
	testutil.NeedCommand(t, "curl")
	protos := make(chan string, 4)
	origin := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		protos <- r.Proto
		io.WriteString(w, "ok")
	}))
	origin.EnableHTTP2 = true
	origin.StartTLS()
	t.Cleanup(origin.Close)
	dir := t.TempDir()
	ca := filepath.Join(dir, "origin.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: origin.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".curlrc"), []byte("http1.1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, proto := range []string{"HTTP/2.0", "HTTP/1.1"} {
		cmd, err := Curl(asProto(origin.URL+"/x", proto))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(cmd, "--http2") != (proto == "HTTP/2.0") {
			t.Errorf("curl command of a %s flow:\n%s", proto, cmd)
		}
		runShellEnv(t, dir, cmd, "CURL_CA_BUNDLE="+ca)
		if got := testutil.Receive(t, protos, "request at the origin"); got != proto {
			t.Errorf("the curl command of a %s flow reached the origin over %s:\n%s", proto, got, cmd)
		}
	}
	// Plain HTTP gets no --http2: curl would send an h2c upgrade, headers
	// the original lacked.
	if cmd, _ := Curl(asProto("http://127.0.0.1:1/x", "HTTP/2.0")); strings.Contains(cmd, "--http2") {
		t.Errorf("curl command of a plain-HTTP flow asks for HTTP/2:\n%s", cmd)
	}
}
