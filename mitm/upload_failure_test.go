package mitm

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/session"
)

// needCurl returns the path of the curl binary: the README's test command
// needs only Go and curl, so its absence is a failure, not a skip.
func needCurl(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("curl")
	if err != nil {
		t.Fatalf("these tests drive the real curl binary: %v", err)
	}
	return path
}

// refusedAddr returns a loopback address nothing listens on.
func refusedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// dnsFailingDial fails every name ending in .invalid as a failed lookup
// would, and dials anything else (always 127.0.0.1 in these tests).
func dnsFailingDial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, _ := net.SplitHostPort(addr)
	if strings.HasSuffix(host, ".invalid") {
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

func writeRandomFile(t *testing.T, dir, name string, size int) string {
	t.Helper()
	b := make([]byte, size)
	rand.Read(b)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// An upload to an origin siphon cannot reach is one failed flow, whenever
// its body arrives: after 100 Continue (curl -F, curl's uploads over 1 MB,
// an explicit Expect), or at once. The body bytes siphon did not forward
// are never read as a second request.
func TestFailedUploadIsOneFlow(t *testing.T) {
	curl := needCurl(t)
	dir := t.TempDir()
	big := writeRandomFile(t, dir, "big.bin", 2<<20)
	small := writeRandomFile(t, dir, "small.bin", 64<<10)
	refused := refusedAddr(t)

	uploads := []struct{ name, args string }{
		{"form", "-F file=@" + big},
		{"binary", "--data-binary @" + big},
		{"expect", "-H Expect:_100-continue --data-binary @" + small},
		{"no-expect", "-H Expect: --data-binary @" + big},
	}
	targets := []struct{ name, host, phase, hint string }{
		{"refused", refused, session.PhaseDial, "nothing listens on that port"},
		{"dns", "nowhere.invalid:8443", session.PhaseDial, "check the host name"},
	}
	// https pins HTTP/1.1 inside the tunnel, so martian's body handling is
	// what is tested; h2 is the same upload over an HTTP/2 stream.
	protos := []struct{ name, scheme, flag string }{
		{"http", "http", "--http1.1"}, {"https", "https", "--http1.1"}, {"h2", "https", "--http2"},
	}
	for _, proto := range protos {
		scheme := proto.scheme
		for _, target := range targets {
			for _, up := range uploads {
				t.Run(proto.name+"/"+target.name+"/"+up.name, func(t *testing.T) {
					tp := startProxy(t, Config{DialContext: dnsFailingDial})
					caFile := filepath.Join(t.TempDir(), "ca.pem")
					if err := os.WriteFile(caFile, tp.minter.CA().PEM(), 0o600); err != nil {
						t.Fatal(err)
					}
					url := scheme + "://" + target.host + "/upload"
					args := []string{"-sS", proto.flag, "--max-time", "20", "-x", "http://" + tp.addr, "--cacert", caFile,
						"-o", filepath.Join(t.TempDir(), "body"), "-w", "%{http_code}"}
					for _, a := range strings.Fields(up.args) {
						args = append(args, strings.ReplaceAll(a, "_", " "))
					}
					out, err := exec.Command(curl, append(args, url)...).CombinedOutput()
					if err != nil || string(out) != "502" {
						t.Errorf("curl: %v, output %q; want the 502", err, out)
					}
					flows := flowsAfterShutdown(t, tp)
					if len(flows) != 1 {
						for _, f := range flows {
							t.Logf("flow %q %q: %+v", f.Request.Method, f.Request.URL, f.Err)
						}
						t.Fatalf("%d flows for one failed upload, want 1", len(flows))
					}
					f := flows[0]
					if f.Request.URL != url || f.State != session.Failed || f.Err == nil ||
						f.Err.Phase != target.phase || !strings.Contains(f.Err.Hint, target.hint) {
						t.Errorf("flow %s %s: state %v, error %+v", f.Request.Method, f.Request.URL, f.State, f.Err)
					}
					// Too big (or not yet asked for) to drain: the part
					// siphon read is kept and marked as the start of the
					// body the client declared.
					b := f.Request.Body
					if declared := f.Request.Header.Get("Content-Length"); !b.Truncated || strconv.FormatInt(b.Size, 10) != declared {
						t.Errorf("request body: size %d, truncated %v; want truncated, the declared %s", b.Size, b.Truncated, declared)
					}
				})
			}
		}
	}
}

// flowsAfterShutdown stops the proxy, which waits for every client
// connection to end, so that a flow recorded when a connection closes is
// there too, and returns the flows.
func flowsAfterShutdown(t *testing.T, tp *testProxy) []*session.Flow {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tp.Shutdown(ctx)
	tp.rec.mu.Lock()
	defer tp.rec.mu.Unlock()
	out := make([]*session.Flow, len(tp.rec.flows))
	for i, f := range tp.rec.flows {
		out[i] = f.Clone()
	}
	return out
}

// A small body that follows the headers is read (and recorded whole)
// when the upstream fails: the connection then carries the client's next
// request, which is one more flow, not a malformed one.
func TestFailedSmallUploadKeepsConnection(t *testing.T) {
	tp := startProxy(t, Config{})
	target := "http://" + refusedAddr(t) + "/small"
	conn, br := dialRaw(t, tp.addr)
	// One write: the body is there when siphon drains it, however loaded
	// the machine.
	io.WriteString(conn, "POST "+target+" HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789")
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusBadGateway || res.Close {
		t.Fatalf("status %d, close %v: want a 502 that keeps the connection", res.StatusCode, res.Close)
	}
	next := "http://siphon.cert/"
	io.WriteString(conn, "GET "+next+" HTTP/1.1\r\nHost: siphon.cert\r\n\r\n")
	res, err = http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("next request on the connection: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("next request: status %d", res.StatusCode)
	}
	conn.Close()
	flows := flowsAfterShutdown(t, tp)
	if len(flows) != 1 || flows[0].Err == nil || flows[0].Err.Phase != session.PhaseDial {
		for _, f := range flows {
			t.Logf("flow %q %q: %+v", f.Request.Method, f.Request.URL, f.Err)
		}
		t.Fatalf("%d flows, want the one failed upload", len(flows))
	}
	if b := flows[0].Request.Body; string(b.Data) != "0123456789" || b.Size != 10 || b.Truncated {
		t.Errorf("captured body %q, size %d, truncated %v; want the whole body", b.Data, b.Size, b.Truncated)
	}
}

// A client that asked for 100 Continue and did not get it before the 502
// (the origin was unreachable) may send its body anyway: the 502 says
// Connection: close, no 100 precedes it, and what follows is not a request.
// The flow's request body, never read, is marked truncated at the size the
// client declared.
func TestFailedExpectUploadClosesConnection(t *testing.T) {
	tp := startProxy(t, Config{})
	target := "http://" + refusedAddr(t) + "/expect"
	conn, br := dialRaw(t, tp.addr)
	body := strings.Repeat("GET http://siphon.cert/ HTTP/1.1\r\nHost: siphon.cert\r\n\r\n", 40000) // 2 MB that parse as requests
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", target, len(body))
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusBadGateway || !res.Close {
		t.Fatalf("status %d, close %v: want a 502 with Connection: close", res.StatusCode, res.Close)
	}
	go io.WriteString(conn, body) // the proxy may stop reading
	if _, err := io.Copy(io.Discard, br); err != nil {
		t.Logf("reading to the close: %v", err)
	}
	conn.Close()
	flows := flowsAfterShutdown(t, tp)
	if len(flows) != 1 || flows[0].Err == nil || flows[0].Err.Phase != session.PhaseDial {
		for _, f := range flows {
			t.Logf("flow %q %q: %+v", f.Request.Method, f.Request.URL, f.Err)
		}
		t.Fatalf("%d flows, want the one failed upload", len(flows))
	}
	if b := flows[0].Request.Body; !b.Truncated || b.Size != int64(len(body)) || len(b.Data) != 0 {
		t.Errorf("request body: %d bytes captured, size %d, truncated %v; want none of %d, truncated",
			len(b.Data), b.Size, b.Truncated, len(body))
	}
}

// The same uploads to an origin that is there arrive whole, each as one
// flow that keeps the size of its body.
func TestCurlUploadsArriveWhole(t *testing.T) {
	curl := needCurl(t)
	dir := t.TempDir()
	big := writeRandomFile(t, dir, "big.bin", 2<<20)
	counter := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, n)
	})
	plain := httptest.NewServer(counter)
	defer plain.Close()
	secure := httptest.NewTLSServer(counter)
	defer secure.Close()
	tp := startProxy(t, Config{RootCAs: poolOf(secure.Certificate())})
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, tp.minter.CA().PEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, base := range []string{plain.URL, secure.URL} {
		for _, up := range [][]string{
			{"--data-binary", "@" + big},
			{"-H", "Expect: 100-continue", "--data-binary", "@" + big},
		} {
			url := base + "/up"
			args := append([]string{"-sS", "--max-time", "20", "-x", "http://" + tp.addr, "--cacert", caFile}, up...)
			out, err := exec.Command(curl, append(args, url)...).CombinedOutput()
			if err != nil || string(out) != fmt.Sprint(2<<20) {
				t.Errorf("curl %v %s: %v, output %q", up, url, err, out)
			}
		}
	}
	flows := flowsAfterShutdown(t, tp)
	if len(flows) != 4 {
		t.Fatalf("%d flows for four uploads", len(flows))
	}
	for _, f := range flows {
		if f.State != session.Done || f.Err != nil || f.Request.Body.Size != 2<<20 {
			t.Errorf("flow %s: state %v, error %+v, body size %d", f.Request.URL, f.State, f.Err, f.Request.Body.Size)
		}
	}
}

// dialRaw opens a plain connection to the proxy for a client that writes
// its own bytes; it closes with the test, and nothing on it waits more
// than 10 s.
func dialRaw(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	return conn, bufio.NewReader(conn)
}
