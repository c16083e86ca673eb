package mitm

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
)

// earlyOrigin is an origin that answers 413 as soon as a request's
// headers are in and never reads its body, keeping the connection open
// until the test ends; it returns its base URL.
func earlyOrigin(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn // only the accepting goroutine touches it until done
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
			go func() {
				if _, err := http.ReadRequest(bufio.NewReader(c)); err == nil {
					io.WriteString(c, "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 9\r\n\r\ntoo large")
				}
			}()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + l.Addr().String()
}

// rawUpload sends a POST to target through the proxy at proxyAddr that
// declares a body of declared bytes and carries only the first sent of
// them, in one write with the headers, and returns the connection and
// the answer, whose body has been read.
func rawUpload(t *testing.T, proxyAddr, target string, declared, sent int) (net.Conn, *bufio.Reader, *http.Response, string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", proxyAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	msg := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n%s",
		target, u.Host, declared, bytes.Repeat([]byte("x"), sent))
	// In the background: siphon need not read all of it.
	go io.WriteString(conn, msg)
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatalf("answer body: %v", err)
	}
	return conn, br, res, string(b)
}

// assertClosesSoon waits (10 s at most, far more than siphon's bounded
// drain and lingering close need) for siphon to close the connection.
func assertClosesSoon(t *testing.T, conn net.Conn, br *bufio.Reader) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := io.Copy(io.Discard, br)
	if err != nil {
		t.Fatalf("the connection did not close cleanly after the answer (%d more bytes): %v", n, err)
	}
	if n != 0 {
		t.Errorf("%d bytes after the answer", n)
	}
}

// A request whose body siphon does not read to its end (siphon answered
// it itself, or the origin answered before reading it) ends with the
// answer: the connection closes at once after it instead of reading the
// rest of the body for as long as the client goes on sending it, and the
// flow's request body is marked truncated, with the size the client
// declared.
func TestAnswerBeforeBodyClosesConnection(t *testing.T) {
	const declared, sent = 10 << 20, 64 << 10
	mocks := rulesEngine(t, intercept.Config{}, `
- name: upload
  match: ~d mock.invalid
  mock: {status: 201, body: mocked}
`)
	for _, tc := range []struct {
		name   string
		target string
		cfg    Config
		status int
		body   string
		flow   bool
	}{
		{"siphon.cert", "http://siphon.cert/", Config{BodyLimit: 1024}, 200, "", false},
		{"407", "http://auth.invalid/upload", Config{BodyLimit: 1024, Auth: &Credentials{User: "u", Pass: "p"}}, 407, "credentials", false},
		{"mock", "http://mock.invalid/upload", Config{BodyLimit: 1024, Decider: mocks, DialContext: dnsFailingDial}, 201, "mocked", true},
		{"early origin", earlyOrigin(t) + "/upload", Config{}, 413, "too large", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp := startProxy(t, tc.cfg)
			conn, br, res, body := rawUpload(t, tp.addr, tc.target, declared, sent)
			if res.StatusCode != tc.status || !strings.Contains(body, tc.body) || !res.Close {
				t.Fatalf("answer %d %q, close %v: want %d %q with Connection: close", res.StatusCode, body, res.Close, tc.status, tc.body)
			}
			assertClosesSoon(t, conn, br)
			conn.Close()
			flows := flowsAfterShutdown(t, tp)
			if !tc.flow {
				if len(flows) != 0 {
					t.Fatalf("%d flows for an answer of siphon's own", len(flows))
				}
				return
			}
			if len(flows) != 1 {
				t.Fatalf("%d flows, want 1", len(flows))
			}
			f := flows[0]
			b := f.Request.Body
			if f.State != session.Done || f.Err != nil || f.Response == nil || f.Response.Status != tc.status {
				t.Errorf("flow: state %v, error %+v, response %+v", f.State, f.Err, f.Response)
			}
			if !b.Truncated || b.Size != declared || len(b.Data) == 0 || strings.Trim(string(b.Data), "x") != "" {
				t.Errorf("request body: truncated %v, size %d, %d bytes captured; want truncated, the declared %d, the start of it",
					b.Truncated, b.Size, len(b.Data), declared)
			}
		})
	}
}

// A client that stops sending a body siphon reads to answer itself is
// not waited for beyond the body's idle limit: the answer comes, the
// connection closes, and the flow says what the client did.
func TestAnswerStopsWaitingForAStalledBody(t *testing.T) {
	mocks := rulesEngine(t, intercept.Config{}, `
- name: upload
  match: ~d mock.invalid
  mock: {status: 201, body: mocked}
`)
	tp := startProxy(t, Config{Decider: mocks, DialContext: dnsFailingDial, bodyIdle: 100 * time.Millisecond})
	conn, br, res, body := rawUpload(t, tp.addr, "http://mock.invalid/stalled", 1000, 10)
	if res.StatusCode != 201 || body != "mocked" || !res.Close {
		t.Fatalf("answer %d %q, close %v: want the mock with Connection: close", res.StatusCode, body, res.Close)
	}
	assertClosesSoon(t, conn, br)
	conn.Close()
	flows := flowsAfterShutdown(t, tp)
	if len(flows) != 1 {
		t.Fatalf("%d flows, want 1", len(flows))
	}
	f := flows[0]
	if f.Err == nil || f.Err.Phase != session.PhaseClient || !strings.Contains(f.Err.Msg, "100ms") {
		t.Errorf("flow error %+v, want the client's failure to send its body", f.Err)
	}
	if b := f.Request.Body; string(b.Data) != "xxxxxxxxxx" || !b.Truncated || b.Size != 1000 {
		t.Errorf("request body %q, truncated %v, size %d", b.Data, b.Truncated, b.Size)
	}
}
