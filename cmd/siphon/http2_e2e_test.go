package main

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// needCurlHTTP2 fails the test when curl cannot speak HTTP/2: curl is the
// one program the test suite requires, and every current build of it
// (Debian's, macOS's) has HTTP/2.
func needCurlHTTP2(t *testing.T) {
	t.Helper()
	out, err := exec.Command("curl", "--version").Output()
	if err != nil || !strings.Contains(string(out), "HTTP2") {
		t.Fatalf("this test needs curl with HTTP/2 support: %v %s", err, out)
	}
}

// curlVersion runs curl with a protocol flag (--http2, --http1.1) and
// splits what it prints into the body and the HTTP version it spoke.
func curlVersion(t *testing.T, protoFlag string, args ...string) (body, version string) {
	t.Helper()
	out := string(curl(t, append([]string{protoFlag, "-w", "\n%{http_version}"}, args...)...))
	i := strings.LastIndexByte(out, '\n')
	return out[:i], out[i+1:]
}

// protoOrigin starts a TLS origin that speaks only proto ("HTTP/2.0" or
// "HTTP/1.1"): it offers only that protocol in ALPN and answers any other
// with 505, so a request that reaches it over the wrong one shows. It
// echoes the request and the protocol it came over.
func protoOrigin(t *testing.T, proto string) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Proto != proto {
			http.Error(w, "this origin speaks only "+proto, http.StatusHTTPVersionNotSupported)
			return
		}
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Date", "Sun, 22 Nov 2026 00:00:00 GMT") // identical direct and proxied
		w.Write([]byte(protoOriginBody(r.Method, r.URL.RequestURI(), string(body), r.Proto)))
	}))
	srv.EnableHTTP2 = proto == "HTTP/2.0" // ALPN h2 only; else http/1.1 only
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// protoOriginBody is what a protoOrigin answers.
func protoOriginBody(method, uri, body, proto string) string {
	return fmt.Sprintf(`{"method":%q,"uri":%q,"body":%q,"proto":%q}`, method, uri, body, proto)
}

// goClient sends a request through proxy over one protocol ("HTTP/1.1" or
// "HTTP/2.0"), trusting only roots, and returns the body and the protocol
// of the response.
func goClient(t *testing.T, proto, proxy string, roots *tls.Config, method, target, body string) (string, string) {
	t.Helper()
	var protos http.Protocols
	protos.SetHTTP1(proto == "HTTP/1.1")
	protos.SetHTTP2(proto == "HTTP/2.0")
	proxyURL, err := url.Parse(proxy)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{Proxy: http.ProxyURL(proxyURL), TLSClientConfig: roots, Protocols: &protos, DisableCompression: true}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatalf("Go client over %s: %v", proto, err)
	}
	defer res.Body.Close()
	got, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("Go client over %s: %v", proto, err)
	}
	return string(got), res.Proto
}

// TestProtocolMatrixThroughDump sends HTTP/1.1 and HTTP/2 clients (curl
// and Go's) through siphon to an origin that speaks only HTTP/2 and one
// that speaks only HTTP/1.1: each client keeps its protocol with siphon,
// siphon speaks the origin's, the bodies arrive intact (identical to
// curl's direct ones where the origin speaks the client's protocol), and
// every flow records both sides' protocols.
func TestProtocolMatrixThroughDump(t *testing.T) {
	needCurlHTTP2(t)
	h2 := protoOrigin(t, "HTTP/2.0")
	h1 := protoOrigin(t, "HTTP/1.1")
	originCA := writePEM(t, h2.Certificate()) // httptest servers share one certificate
	p := startProxied(t, originCA)
	proxy := "http://" + p.addr

	type exchange struct{ url, client, origin string }
	var sent []exchange
	for _, o := range []struct {
		srv   *httptest.Server
		proto string
	}{{h2, "HTTP/2.0"}, {h1, "HTTP/1.1"}} {
		for _, c := range []struct{ name, curlFlag, curlVersion, proto string }{
			{"curl-h2", "--http2", "2", "HTTP/2.0"},
			{"curl-h1", "--http1.1", "1.1", "HTTP/1.1"},
			{"go-h2", "", "", "HTTP/2.0"},
			{"go-h1", "", "", "HTTP/1.1"},
		} {
			path := "/" + c.name + "?origin=" + url.QueryEscape(o.proto)
			target := o.srv.URL + path
			want := protoOriginBody("POST", path, "payload", o.proto)
			var got, version string
			if c.curlFlag != "" {
				args := []string{"-X", "POST", "--data-binary", "payload", target}
				got, version = curlVersion(t, c.curlFlag, append([]string{"-x", proxy, "--cacert", p.caPath}, args...)...)
				if version != c.curlVersion {
					t.Errorf("%s to the %s origin: curl spoke HTTP %s with siphon, want %s", c.name, o.proto, version, c.curlVersion)
				}
				if o.proto == c.proto {
					direct, directVersion := curlVersion(t, c.curlFlag, append([]string{"--noproxy", "*", "--cacert", originCA}, args...)...)
					if directVersion != c.curlVersion {
						t.Errorf("%s to the %s origin: curl spoke HTTP %s directly, want %s", c.name, o.proto, directVersion, c.curlVersion)
					}
					if got != direct {
						t.Errorf("%s to the %s origin: body through siphon differs from direct:\n--- direct\n%s\n--- siphon\n%s", c.name, o.proto, direct, got)
					}
				}
			} else {
				got, version = goClient(t, c.proto, proxy, &tls.Config{RootCAs: p.caPool}, "POST", target, "payload")
				if version != c.proto {
					t.Errorf("%s to the %s origin: the Go client spoke %s with siphon", c.name, o.proto, version)
				}
			}
			if got != want {
				t.Errorf("%s to the %s origin: body %s, want %s", c.name, o.proto, got, want)
			}
			sent = append(sent, exchange{target, c.proto, o.proto})
		}
	}

	flows := p.storedFlows(t)
	out := p.stdout.String()
	byURL := make(map[string]*session.Flow, len(flows))
	for _, f := range flows {
		byURL[f.Request.URL] = f
	}
	if len(flows) != len(sent) || len(byURL) != len(sent) {
		t.Errorf("session holds %d flows for %d URLs, want one per request (%d)", len(flows), len(byURL), len(sent))
	}
	h2Flows := 0
	for _, e := range sent {
		// The dump names the protocols unless both are HTTP/1.1.
		line := "POST " + e.url + " " + e.client + " -> " + e.origin + " 200 OK"
		if e.client == "HTTP/1.1" && e.origin == "HTTP/1.1" {
			line = "POST " + e.url + " -> 200 OK"
		}
		if !strings.Contains(out, line) {
			t.Errorf("dump output lacks %q:\n%s", line, out)
		}
		f := byURL[e.url]
		if f == nil {
			t.Errorf("no flow for %s", e.url)
			continue
		}
		// Go's HTTP/1.1-only client offers no ALPN at all.
		wantALPN := map[string]string{"HTTP/2.0": "h2", "HTTP/1.1": "http/1.1"}
		if f.Request.Proto != e.client || (f.Client.ALPN == "h2") != (e.client == "HTTP/2.0") || f.Response == nil || f.Response.Proto != e.origin || f.Server.ALPN != wantALPN[e.origin] {
			t.Errorf("flow %s: client %s (ALPN %q), server ALPN %q, response %+v; want %s to siphon, %s to the origin",
				e.url, f.Request.Proto, f.Client.ALPN, f.Server.ALPN, f.Response, e.client, e.origin)
		}
		if f.Request.Body.Data == nil || string(f.Request.Body.Data) != "payload" {
			t.Errorf("flow %s: request body %q, want payload", e.url, f.Request.Body.Data)
		}
		if e.client == "HTTP/2.0" || e.origin == "HTTP/2.0" {
			h2Flows++
		}
	}
	readOut, _, _ := runSiphon(t, "dump", "--read", p.session)
	if !strings.Contains(readOut, "POST "+sent[1].url+" HTTP/1.1 -> HTTP/2.0 200 OK") {
		t.Errorf("dump --read lacks the protocols:\n%s", readOut)
	}
	// ~http2 finds the flows with HTTP/2 on either side; !~http2 the others.
	if got, _, _ := runSiphon(t, "dump", "--read", p.session, "--filter", "~http2"); strings.Count(got, "\n") != h2Flows {
		t.Errorf("dump --read --filter ~http2 shows:\n%s\nwant the %d flows with HTTP/2 on a side", got, h2Flows)
	}
	if got, _, _ := runSiphon(t, "dump", "--read", p.session, "--filter", "!~http2"); strings.Contains(got, "HTTP/2.0") || strings.Count(got, "\n") != len(sent)-h2Flows {
		t.Errorf("dump --read --filter '!~http2' shows:\n%s\nwant the %d HTTP/1.1-only flows", got, len(sent)-h2Flows)
	}
}
