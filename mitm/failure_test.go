package mitm

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/session"
)

// assertStillServes proves the proxy answers a normal request after a failure.
func assertStillServes(t *testing.T, tp *testProxy) {
	t.Helper()
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "fine") }))
	defer ok.Close()
	res, err := tp.client().Get(ok.URL + "/after")
	if err != nil {
		t.Fatalf("proxy no longer serves: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "fine" {
		t.Fatalf("proxy answers %q after failure", b)
	}
}

func get502(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusBadGateway {
		t.Fatalf("GET %s: status %d, want 502", url, res.StatusCode)
	}
	return string(b)
}

func TestRefusedConnectionIsAFlow(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	tp := startProxy(t, Config{})
	url := "http://" + addr + "/x"
	body := get502(t, tp.client(), url)
	if !strings.Contains(body, "connection refused") {
		t.Errorf("502 body %q does not name the cause", body)
	}
	f := tp.rec.wait(t, "refused", finalFor(url))
	if f.State != session.Failed || f.Err == nil || f.Err.Phase != session.PhaseDial {
		t.Errorf("flow: state %v err %+v", f.State, f.Err)
	}
	assertStillServes(t, tp)
}

func TestDNSFailureIsAFlow(t *testing.T) {
	dialer := &net.Dialer{}
	tp := startProxy(t, Config{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if strings.HasPrefix(addr, "nowhere.invalid:") {
			return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: "nowhere.invalid", IsNotFound: true}}
		}
		return dialer.DialContext(ctx, network, addr)
	}})
	url := "http://nowhere.invalid/y"
	body := get502(t, tp.client(), url)
	if !strings.Contains(body, "DNS lookup failed for nowhere.invalid") {
		t.Errorf("502 body %q", body)
	}
	f := tp.rec.wait(t, "dns", finalFor(url))
	if f.Err == nil || f.Err.Phase != session.PhaseDial || f.Err.Hint == "" {
		t.Errorf("flow error %+v", f.Err)
	}
	assertStillServes(t, tp)
}

func TestUntrustedUpstreamCertificate(t *testing.T) {
	origin := httptest.NewTLSServer(echoOrigin())
	defer origin.Close()
	tp := startProxy(t, Config{}) // system roots: httptest's CA is unknown
	url := origin.URL + "/z"
	body := get502(t, tp.client(), url)
	if !strings.Contains(body, "unknown authority") || !strings.Contains(body, "--insecure") {
		t.Errorf("502 body %q should say why and what to do", body)
	}
	f := tp.rec.wait(t, "upstream tls", finalFor(url))
	if f.Err == nil || f.Err.Phase != session.PhaseUpstreamTLS {
		t.Errorf("flow error %+v", f.Err)
	}
	assertStillServes(t, tp)

	// --insecure lets it through.
	tpi := startProxy(t, Config{Insecure: true})
	res, err := tpi.client().Get(url)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("insecure: status %d", res.StatusCode)
	}
}

func TestClientRejectingSiphonCA(t *testing.T) {
	origin := httptest.NewTLSServer(echoOrigin())
	defer origin.Close()
	tp := startProxy(t, Config{RootCAs: poolOf(origin.Certificate())})
	c := tp.client()
	c.Transport.(*http.Transport).TLSClientConfig = &tls.Config{} // does not trust siphon
	if _, err := c.Get(origin.URL + "/pinned"); err == nil {
		t.Fatal("client accepted a certificate from an untrusted CA")
	}
	host := strings.TrimPrefix(origin.URL, "https://")
	f := tp.rec.wait(t, "client tls", func(f *session.Flow) bool {
		return f.Err != nil && f.Request.URL == host
	})
	if f.Err.Phase != session.PhaseClientTLS || !strings.Contains(f.Err.Hint, "install siphon's CA") || !strings.Contains(f.Err.Hint, "--ignore-hosts") {
		t.Errorf("flow error %+v", f.Err)
	}
	assertStillServes(t, tp)
}

func TestMalformedClientInput(t *testing.T) {
	tp := startProxy(t, Config{})
	for _, tc := range []struct{ name, send string }{
		{"garbage", "\x16\x03\x01garbage garbage\r\n\r\n"},
		{"broken request line", "GET\r\n\r\n"},
		{"bad header", "GET http://127.0.0.1/ HTTP/1.1\r\nNo colon here\r\n\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tp.rec.count()
			status := rawExchange(t, tp.addr, tc.send)
			if !strings.Contains(status, "400") {
				t.Errorf("answer %q, want 400", status)
			}
			f := tp.rec.wait(t, "malformed", func(f *session.Flow) bool {
				return int(f.Seq) > before && f.Err != nil
			})
			if f.Err.Phase != session.PhaseClient || !strings.Contains(f.Err.Msg, "malformed") {
				t.Errorf("flow error %+v", f.Err)
			}
			assertStillServes(t, tp)
		})
	}
}

func TestOversizedHeaders(t *testing.T) {
	tp := startProxy(t, Config{})
	big := "GET http://127.0.0.1:1/ HTTP/1.1\r\nHost: 127.0.0.1:1\r\n" +
		strings.Repeat("X-Filler: "+strings.Repeat("a", 1000)+"\r\n", 1200) + "\r\n"
	status := rawExchange(t, tp.addr, big)
	if status != "" && !strings.Contains(status, "431") {
		t.Errorf("answer %q, want 431 or a closed connection", status)
	}
	f := tp.rec.wait(t, "oversized", func(f *session.Flow) bool { return f.Err != nil })
	if f.Err.Phase != session.PhaseClient || !strings.Contains(f.Err.Msg, "exceed") {
		t.Errorf("flow error %+v", f.Err)
	}
	assertStillServes(t, tp)
}

// rawExchange writes send on a new connection and returns the status line
// of the answer, or "" when the proxy closed the connection without one.
func rawExchange(t *testing.T, addr, send string) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	go io.WriteString(conn, send) // the proxy may stop reading early
	line, _ := bufio.NewReader(conn).ReadString('\n')
	return strings.TrimSpace(line)
}

// After siphon answers a request with a body itself, the connection must
// still check the next request: here a malformed one gets its 400.
func TestMalformedRequestAfterAnsweredBody(t *testing.T) {
	tp := startProxy(t, Config{})
	conn, err := net.Dial("tcp", tp.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(conn, "POST http://siphon.cert/ HTTP/1.1\r\nHost: siphon.cert\r\nContent-Length: 5\r\n\r\nhello")
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("cert page: %d", res.StatusCode)
	}
	io.WriteString(conn, "NOT HTTP AT ALL\r\n\r\n")
	line, _ := br.ReadString('\n')
	if !strings.Contains(line, "400") {
		t.Fatalf("malformed second request answered %q, want 400", line)
	}
}

// curl rejecting siphon's CA (TLS 1.2 and 1.3) is one flow, with the hint,
// and nothing else: the ClientHello is not a malformed HTTP request.
func TestCurlRejectingSiphonCAIsOneFlow(t *testing.T) {
	origin := httptest.NewTLSServer(echoOrigin())
	defer origin.Close()
	tp := startProxy(t, Config{RootCAs: poolOf(origin.Certificate())})
	for _, tlsArgs := range [][]string{{"--tlsv1.3"}, {"--tlsv1.2", "--tls-max", "1.2"}} {
		args := append([]string{"-sS", "--max-time", "10", "-x", "http://" + tp.addr}, tlsArgs...)
		out, err := exec.Command("curl", append(args, origin.URL+"/x")...).CombinedOutput()
		if err == nil {
			t.Fatalf("curl %v trusted siphon's CA: %s", tlsArgs, out)
		}
	}
	// Shutdown waits for every connection to be closed, so a flow recorded
	// at close time would be there by now.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	tp.Shutdown(ctx)
	tp.rec.mu.Lock()
	defer tp.rec.mu.Unlock()
	if len(tp.rec.flows) != 2 {
		for _, f := range tp.rec.flows {
			t.Logf("flow %s %s: %+v", f.Request.Method, f.Request.URL, f.Err)
		}
		t.Fatalf("%d flows for two rejected handshakes, want 2", len(tp.rec.flows))
	}
	for _, f := range tp.rec.flows {
		if f.Err == nil || f.Err.Phase != session.PhaseClientTLS || !strings.Contains(f.Err.Hint, "install siphon's CA") {
			t.Errorf("flow error %+v", f.Err)
		}
	}
}
