package mitm

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

func TestPassthroughSet(t *testing.T) {
	s := NewPassthrough([]string{"API.Example.com.", "", "[::1]:443"})
	if got, want := s.Hosts(), []string{"::1", "api.example.com"}; !slices.Equal(got, want) {
		t.Fatalf("Hosts() = %q, want %q", got, want)
	}
	if !s.Contains("api.example.com:443") || !s.Contains("[::1]:8443") || s.Contains("example.com:443") {
		t.Error("Contains does not match host:port forms by host")
	}
	select {
	case <-s.Changed():
		t.Fatal("a new set signals a change")
	default:
	}
	if !s.Add("b.example:443") || s.Add("B.EXAMPLE") {
		t.Error("Add reports a host already in the set as new, or a new one as old")
	}
	if !s.Remove("api.example.com") || s.Remove("api.example.com") {
		t.Error("Remove reports wrongly whether the host was there")
	}
	// Both changes coalesce into one signal.
	<-s.Changed()
	select {
	case <-s.Changed():
		t.Fatal("two changes signalled twice")
	default:
	}
	var none *Passthrough
	if none.Contains("a") || none.Add("a") || none.Remove("a") || none.Hosts() != nil || none.Changed() != nil {
		t.Error("the nil set is not empty and fixed")
	}
}

// passClient is a client that trusts only origin's certificate, as a
// pinned app does, and opens a new tunnel for each request.
func passClient(tp *testProxy, origin *httptest.Server) *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:             http.ProxyURL(&url.URL{Scheme: "http", Host: tp.addr}),
		TLSClientConfig:   &tls.Config{RootCAs: poolOf(origin.Certificate())},
		DisableKeepAlives: true,
	}}
}

// getOrigin fetches path through c and reports whether the client saw
// the origin's own certificate; an error means the handshake failed.
func getOrigin(c *http.Client, origin *httptest.Server, path string) (bool, error) {
	res, err := c.Get(origin.URL + path)
	if err != nil {
		return false, err
	}
	defer res.Body.Close()
	io.Copy(io.Discard, res.Body)
	return res.TLS.PeerCertificates[0].Equal(origin.Certificate()), nil
}

// A host added to the live set while the proxy runs is passed through
// from the next tunnel on, its tunnel flow saying why; removed, it is
// intercepted again.
func TestPassthroughLive(t *testing.T) {
	origin := httptest.NewTLSServer(echoOrigin())
	defer origin.Close()
	target := strings.TrimPrefix(origin.URL, "https://")
	set := NewPassthrough(nil)
	tp := startProxy(t, Config{Passthrough: set})
	c := passClient(tp, origin)
	if _, err := getOrigin(c, origin, "/before"); err == nil {
		t.Fatal("a client trusting only the origin accepted siphon's certificate")
	}
	tp.rec.wait(t, "rejected handshake", func(f *session.Flow) bool {
		return f.Request.URL == target && f.Err != nil && f.Err.Phase == session.PhaseClientTLS
	})
	set.Add("127.0.0.1")
	own, err := getOrigin(c, origin, "/after")
	if err != nil || !own {
		t.Fatalf("after adding the host: own certificate %v, err %v", own, err)
	}
	f := tp.rec.wait(t, "tunnel", func(f *session.Flow) bool { return f.Kind == session.Tunnel && f.State == session.Done })
	if !strings.Contains(f.Comment, "passthrough list") {
		t.Errorf("tunnel comment %q does not say why it was passed through", f.Comment)
	}
	set.Remove("127.0.0.1")
	if _, err := getOrigin(c, origin, "/removed"); err == nil {
		t.Fatal("a removed host is still passed through")
	}
}

// With AutoPassthrough, the first rejected handshake adds the host, and
// the failed flow says so.
func TestAutoPassthrough(t *testing.T) {
	origin := httptest.NewTLSServer(echoOrigin())
	defer origin.Close()
	target := strings.TrimPrefix(origin.URL, "https://")
	set := NewPassthrough(nil)
	tp := startProxy(t, Config{Passthrough: set, AutoPassthrough: true})
	c := passClient(tp, origin)
	if _, err := getOrigin(c, origin, "/first"); err == nil {
		t.Fatal("a client trusting only the origin accepted siphon's certificate")
	}
	f := tp.rec.wait(t, "rejected handshake", func(f *session.Flow) bool {
		return f.Request.URL == target && f.Err != nil && f.Err.Phase == session.PhaseClientTLS
	})
	if !strings.Contains(f.Comment, "--auto-passthrough") || !strings.Contains(f.Comment, "127.0.0.1") {
		t.Errorf("failed flow comment %q does not note the passthrough", f.Comment)
	}
	if !set.Contains(target) {
		t.Fatalf("set %q lacks %s", set.Hosts(), target)
	}
	own, err := getOrigin(c, origin, "/second")
	if err != nil || !own {
		t.Fatalf("second request: own certificate %v, err %v", own, err)
	}
}

// A tunnel passed through by --ignore-hosts says so too.
func TestIgnoreHostsComment(t *testing.T) {
	origin := httptest.NewTLSServer(echoOrigin())
	defer origin.Close()
	tp := startProxy(t, Config{IgnoreHosts: mustRegexps(t, `^127\.0\.0\.1:`)})
	if own, err := getOrigin(passClient(tp, origin), origin, "/x"); err != nil || !own {
		t.Fatalf("own certificate %v, err %v", own, err)
	}
	f := tp.rec.wait(t, "tunnel", func(f *session.Flow) bool { return f.Kind == session.Tunnel && f.State == session.Done })
	if !strings.Contains(f.Comment, "--ignore-hosts") {
		t.Errorf("tunnel comment %q does not name --ignore-hosts", f.Comment)
	}
}
