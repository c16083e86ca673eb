package mitm

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/session"
)

// echoTarget answers with the path, query and Host it got.
func echoTarget() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Origin", "yes")
		io.WriteString(w, r.URL.RequestURI()+" host="+r.Host+" proto="+r.Proto)
	})
}

func fetchBody(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: body: %v", url, err)
	}
	return res, string(b)
}

// TestReverseHTTP sends plain requests to a reverse listener: they reach
// the target with its path prefix joined and its Host, are recorded under
// the target's URL, and name the listener. Proxy credentials are a
// forward proxy's: a reverse listener, which stands in for a server, asks
// for none.
func TestReverseHTTP(t *testing.T) {
	origin := httptest.NewServer(echoTarget())
	defer origin.Close()
	tp, addrs := startModes(t, Config{Auth: &Credentials{User: "u", Pass: "p"}}, reverseTo(t, origin.URL+"/api/"))
	host := strings.TrimPrefix(origin.URL, "http://")

	res, body := fetchBody(t, http.DefaultClient, "http://"+addrs[0]+"/v1/items?x=1")
	if want := "/api/v1/items?x=1 host=" + host + " proto=HTTP/1.1"; body != want || res.Header.Get("X-Origin") != "yes" {
		t.Fatalf("body %q, X-Origin %q; want %q", body, res.Header.Get("X-Origin"), want)
	}
	f := tp.rec.wait(t, "reverse", finalFor(origin.URL+"/api/v1/items?x=1"))
	_, port, _ := strings.Cut(addrs[0], ":")
	if want := "reverse:" + origin.URL + "/api/@" + port; f.Listener != want || f.State != session.Done {
		t.Errorf("flow listener %q state %v, want %q done", f.Listener, f.State, want)
	}
}

// TestReverseTLSAndPlainOnOnePort talks TLS (HTTP/2 and HTTP/1.1) and
// plain HTTP to the same reverse listener in front of an HTTPS origin; the
// leaf is minted for the listen address (no SNI for an IP) and verified
// against siphon's CA. --keep-host keeps the client's Host.
func TestReverseTLSAndPlainOnOnePort(t *testing.T) {
	origin := httptest.NewUnstartedServer(echoTarget())
	origin.EnableHTTP2 = true
	origin.StartTLS()
	defer origin.Close()
	m := reverseTo(t, origin.URL)
	m.KeepHost = true
	tp, addrs := startModes(t, Config{RootCAs: poolOf(origin.Certificate())}, m)

	h2 := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: tp.minter.CA().Pool()}, ForceAttemptHTTP2: true}}
	res, body := fetchBody(t, h2, "https://"+addrs[0]+"/two")
	if res.ProtoMajor != 2 || body != "/two host="+addrs[0]+" proto=HTTP/2.0" {
		t.Errorf("over TLS: %s %q, want HTTP/2 with the client's Host", res.Proto, body)
	}
	h1 := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: tp.minter.CA().Pool(), NextProtos: []string{"http/1.1"}}}}
	if res, body := fetchBody(t, h1, "https://"+addrs[0]+"/one"); res.ProtoMajor != 1 || !strings.HasPrefix(body, "/one ") {
		t.Errorf("over TLS, HTTP/1.1: %s %q", res.Proto, body)
	}
	if _, body := fetchBody(t, http.DefaultClient, "http://"+addrs[0]+"/plain"); !strings.HasPrefix(body, "/plain host="+addrs[0]) {
		t.Errorf("plain: %q", body)
	}
	for _, path := range []string{"/two", "/one", "/plain"} {
		f := tp.rec.wait(t, path, finalFor(origin.URL+path))
		if !strings.HasPrefix(f.Listener, "reverse:"+origin.URL+"@") {
			t.Errorf("%s: listener %q", path, f.Listener)
		}
		if tlsWant := path != "/plain"; (f.Client.TLSVersion != "") != tlsWant {
			t.Errorf("%s: client TLS %q", path, f.Client.TLSVersion)
		}
	}
}

// TestReverseHandshakeFailure: a client that does not trust siphon's CA
// gets no answer and leaves a failed flow; the listener serves on.
func TestReverseHandshakeFailure(t *testing.T) {
	origin := httptest.NewServer(echoTarget())
	defer origin.Close()
	tp, addrs := startModes(t, Config{}, reverseTo(t, origin.URL))
	c := &http.Client{Timeout: 20 * time.Second}
	if _, err := c.Get("https://" + addrs[0] + "/"); err == nil {
		t.Fatal("a client without siphon's CA got an answer")
	}
	tp.rec.wait(t, "handshake failure", func(f *session.Flow) bool {
		return f.Err != nil && f.Err.Phase == session.PhaseClientTLS
	})
	if _, body := fetchBody(t, http.DefaultClient, "http://"+addrs[0]+"/after"); !strings.HasPrefix(body, "/after") {
		t.Errorf("after a failed handshake: %q", body)
	}
}

// TestReverseRefusesConnect: a reverse listener asks for no credentials,
// so it must not tunnel CONNECT anywhere: 405, and a flow.
func TestReverseRefusesConnect(t *testing.T) {
	origin := httptest.NewServer(echoTarget())
	defer origin.Close()
	elsewhere := httptest.NewServer(echoTarget())
	defer elsewhere.Close()
	tp, addrs := startModes(t, Config{}, reverseTo(t, origin.URL))
	c, err := net.Dial("tcp", addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	target := strings.TrimPrefix(elsewhere.URL, "http://")
	fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target)
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || res.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("CONNECT through a reverse listener: %v %v", res, err)
	}
	tp.rec.wait(t, "refused CONNECT", func(f *session.Flow) bool {
		return f.State == session.Failed && f.Request.Method == http.MethodConnect && strings.Contains(f.Err.Msg, "refused: this is a reverse proxy")
	})
}
