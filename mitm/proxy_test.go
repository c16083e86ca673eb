package mitm

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// echoOrigin answers with the request's method, path and headers it saw,
// and echoes the body.
func echoOrigin() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Seen-Method", r.Method)
		w.Header().Set("X-Seen-Proxy-Conn", r.Header.Get("Proxy-Connection")+r.Header.Get("Proxy-Authorization"))
		w.Header().Set("X-Seen-Custom", r.Header.Get("X-Custom"))
		w.Write([]byte(`{"path":"` + r.URL.RequestURI() + `","body":"`))
		w.Write(body)
		w.Write([]byte(`"}`))
	})
}

func TestHTTPAndHTTPSAreCapturedAndRelayedUnchanged(t *testing.T) {
	plain := httptest.NewServer(echoOrigin())
	defer plain.Close()
	secure := httptest.NewTLSServer(echoOrigin())
	defer secure.Close()
	tp := startProxy(t, Config{RootCAs: poolOf(secure.Certificate())})
	c := tp.client()

	for _, base := range []string{plain.URL, secure.URL} {
		url := base + "/items?q=a%20b"
		req, _ := http.NewRequest("POST", url, strings.NewReader(`hello`))
		req.Header.Set("X-Custom", "yes")
		req.Header.Set("Proxy-Connection", "keep-alive")
		res, err := c.Do(req)
		if err != nil {
			t.Fatalf("POST %s: %v", url, err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		want := `{"path":"/items?q=a%20b","body":"hello"}`
		if string(got) != want || res.StatusCode != 200 {
			t.Fatalf("POST %s: %d %q, want 200 %q", url, res.StatusCode, got, want)
		}
		if res.Header.Get("X-Seen-Custom") != "yes" || res.Header.Get("X-Seen-Proxy-Conn") != "" {
			t.Errorf("origin saw X-Custom=%q proxy headers=%q", res.Header.Get("X-Seen-Custom"), res.Header.Get("X-Seen-Proxy-Conn"))
		}
		if strings.HasPrefix(base, "https") {
			if res.TLS == nil || res.TLS.PeerCertificates[0].Issuer.CommonName != tp.minter.CA().Certificate().Subject.CommonName {
				t.Errorf("HTTPS leaf not issued by siphon's CA")
			}
		}

		f := tp.rec.wait(t, "for "+url, finalFor(url))
		if f.State != session.Done || f.Err != nil {
			t.Fatalf("flow %s: state %v err %v", url, f.State, f.Err)
		}
		if f.Request.Method != "POST" || string(f.Request.Body.Data) != "hello" || f.Request.Header.Get("X-Custom") != "yes" {
			t.Errorf("request snapshot: %+v", f.Request)
		}
		if f.Response.Status != 200 || string(f.Response.Body.Data) != want || f.Response.Body.Size != int64(len(want)) {
			t.Errorf("response snapshot: status %d body %q size %d", f.Response.Status, f.Response.Body.Data, f.Response.Body.Size)
		}
		if f.Timings.FirstByte.IsZero() || f.Timings.Complete.IsZero() || f.Duration() <= 0 {
			t.Errorf("timings missing: %+v", f.Timings)
		}
		if strings.HasPrefix(base, "https") && (f.Client.TLSVersion == "" || f.Client.SNI != "") {
			// httptest's URL is an IP literal, so the client sends no SNI.
			t.Errorf("client TLS facts: %+v", f.Client)
		}
	}
}

func TestKeepAliveConnectionServesManyRequests(t *testing.T) {
	origin := httptest.NewTLSServer(echoOrigin())
	defer origin.Close()
	tp := startProxy(t, Config{RootCAs: poolOf(origin.Certificate())})
	c := tp.client()
	for i := range 20 {
		res, err := c.Get(origin.URL + "/n")
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	if n := tp.minter.Minted(); n != 1 {
		t.Errorf("minted %d leaves for one host, want 1", n)
	}
}

func TestCertPageServesCANeverKey(t *testing.T) {
	tp := startProxy(t, Config{})
	c := tp.client()
	get := func(path string) []byte {
		res, err := c.Get("http://siphon.cert" + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
		if bytes.Contains(b, []byte("PRIVATE KEY")) {
			t.Fatalf("GET %s served a private key", path)
		}
		return b
	}
	index := get("/")
	if !bytes.Contains(index, []byte("siphon-ca.pem")) || !bytes.Contains(index, []byte("siphon-ca.cer")) {
		t.Errorf("index lacks links: %s", index)
	}
	if !bytes.Equal(get("/siphon-ca.pem"), tp.minter.CA().PEM()) {
		t.Error("PEM differs from the CA's")
	}
	if !bytes.Equal(get("/siphon-ca.cer"), tp.minter.CA().DER()) {
		t.Error("DER differs from the CA's")
	}
	res, err := c.Get("http://siphon.cert/ca-key.pem")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Errorf("GET /ca-key.pem: %d, want 404", res.StatusCode)
	}
}

func TestRequestToSiphonItselfDoesNotLoop(t *testing.T) {
	tp := startProxy(t, Config{})
	res, err := tp.client().Get("http://" + tp.addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), "Trust siphon's certificate") {
		t.Errorf("self request: %d %q", res.StatusCode, b)
	}
}

// TestListenerServesCertPage: a plain request to siphon's own address (a
// phone with no proxy set yet opening the connect screen's URL) gets the
// certificate page and every download without credentials, never the key;
// proxying still needs them.
func TestListenerServesCertPage(t *testing.T) {
	tp := startProxy(t, Config{Auth: &Credentials{User: "me", Pass: "secret"}})
	direct := &http.Client{Transport: &http.Transport{}} // no proxy: the listener itself
	key, err := os.ReadFile(filepath.Join(filepath.Dir(tp.minter.CA().CertPath()), "ca-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	keyBody := bytes.Split(bytes.TrimSpace(key), []byte("\n"))[1] // a line of the key's base64
	for _, tc := range []struct{ path, ctype string }{
		{"/", "text/html"},
		{"/siphon-ca.pem", "application/x-pem-file"},
		{"/siphon-ca.cer", "application/x-x509-ca-cert"},
		{"/siphon-ca.mobileconfig", "application/x-apple-aspen-config"},
		{"/" + tp.minter.CA().AndroidFileName(), "application/octet-stream"},
		{"/ca-key.pem", ""},
	} {
		res, err := direct.Get("http://" + tp.addr + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		want := 200
		if tc.path == "/ca-key.pem" {
			want = 404
		}
		if res.StatusCode != want || !strings.HasPrefix(res.Header.Get("Content-Type"), tc.ctype) {
			t.Errorf("GET %s: %d %s, want %d %s", tc.path, res.StatusCode, res.Header.Get("Content-Type"), want, tc.ctype)
		}
		if bytes.Contains(b, keyBody) || bytes.Contains(b, []byte("PRIVATE KEY")) {
			t.Errorf("GET %s served the CA's key", tc.path)
		}
	}
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "origin") }))
	defer o.Close()
	res, err := tp.client().Get(o.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusProxyAuthRequired {
		t.Errorf("proxying without credentials: %d, want 407", res.StatusCode)
	}
}

func TestEnvironmentProxyIsIgnored(t *testing.T) {
	// Go reads HTTP(S)_PROXY once per process and never for loopback
	// targets, so setting them here would prove nothing: what keeps a
	// user's HTTPS_PROXY=siphon from sending siphon into itself is that its
	// upstream transport takes no proxy from the environment at all.
	tp := startProxy(t, Config{})
	if tp.transport.Proxy != nil {
		t.Fatal("the upstream transport has a Proxy func; it must be nil without --upstream")
	}
	up := &url.URL{Scheme: "http", Host: "127.0.0.1:1"}
	tu := startProxy(t, Config{Upstream: up})
	req, _ := http.NewRequest("GET", "http://example.test/", nil)
	got, err := tu.transport.Proxy(req)
	if err != nil || got.String() != up.String() {
		t.Fatalf("with --upstream the transport proxies to %v (%v), want %v", got, err, up)
	}
}
