package mitm

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// trailerOrigin answers like a failed gRPC call: a body, then the trailers
// Grpc-Status and Grpc-Message (announced) and X-Late (not: Go's servers
// send TrailerPrefix fields unannounced). The request's trailers come back
// as response trailers named X-Got-<name>, so the client sees what the
// origin received. ?stream flushes the body before the end, as gRPC does,
// so that no length is known; ?sse does the same as an event stream.
func trailerOrigin() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // the request's trailers come with its end
		w.Header().Set("Trailer", "Grpc-Status, Grpc-Message")
		w.Header().Set("Content-Type", "application/grpc")
		if r.URL.Query().Has("sse") {
			w.Header().Set("Content-Type", "text/event-stream")
		}
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "message")
		if q := r.URL.Query(); q.Has("stream") || q.Has("sse") {
			w.(http.Flusher).Flush()
		}
		w.Header().Set("Grpc-Status", "7")
		w.Header().Set("Grpc-Message", "permission denied")
		w.Header().Set(http.TrailerPrefix+"X-Late", "unannounced")
		for k, vv := range r.Trailer {
			w.Header()[http.TrailerPrefix+"X-Got-"+k] = vv
		}
	}
}

// wantTrailers are the trailers trailerOrigin sends whatever the request.
var wantTrailers = http.Header{"Grpc-Status": {"7"}, "Grpc-Message": {"permission denied"}, "X-Late": {"unannounced"}}

// checkTrailers fails unless got holds every field of want.
func checkTrailers(t *testing.T, what string, got, want http.Header) {
	t.Helper()
	for k, vv := range want {
		if g := got.Values(k); strings.Join(g, ",") != strings.Join(vv, ",") {
			t.Errorf("%s: trailer %s = %q, want %q (all: %v)", what, k, g, vv, got)
		}
	}
}

// trailerOrigins are an HTTP/1.1 origin (chunked trailers) and an h2-only
// one, both over TLS.
func trailerOrigins(t *testing.T) (h1, h2 *httptest.Server) {
	h1 = httptest.NewTLSServer(trailerOrigin())
	t.Cleanup(h1.Close)
	return h1, h2Origin(t, trailerOrigin())
}

// An HTTP/1.1 client gets the origin's trailers after the last chunk,
// announced or not, whether the origin spoke HTTP/1.1 or HTTP/2 and
// whatever the shape of the body: of known length (martian would write
// it without them), or streamed (siphon writes it itself).
func TestHTTP1ClientGetsTrailers(t *testing.T) {
	h1, h2 := trailerOrigins(t)
	tp := startProxy(t, Config{RootCAs: poolOf(h1.Certificate())})
	for _, o := range []*httptest.Server{h1, h2} {
		for _, query := range []string{"", "?stream", "?sse"} {
			u := o.URL + "/call" + query
			res, err := tp.client().Get(u)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil || string(body) != "message" || res.ProtoMajor != 1 {
				t.Fatalf("%s: %s %q %v", u, res.Proto, body, err)
			}
			checkTrailers(t, u+" client", res.Trailer, wantTrailers)
			f := tp.rec.wait(t, "with trailers", finalFor(u))
			checkTrailers(t, u+" flow", f.Response.Trailer, wantTrailers)
			if f.State != session.Done {
				t.Errorf("%s: flow %v: %v", u, f.State, f.Err)
			}
		}
	}
}

// An HTTP/2 client's and an HTTP/1.1 client's request trailers reach the
// origin (which echoes them as X-Got-*) and are recorded on the flow.
func TestRequestTrailersReachTheOrigin(t *testing.T) {
	h1, h2 := trailerOrigins(t)
	tp := startProxy(t, Config{RootCAs: poolOf(h1.Certificate())})
	clients := map[string]*http.Client{"HTTP/1.1": tp.client(), "HTTP/2": tp.h2Client()}
	for name, c := range clients {
		for _, o := range []*httptest.Server{h1, h2} {
			u := fmt.Sprintf("%s/upload/%s", o.URL, strings.ReplaceAll(name, "/", ""))
			req, err := http.NewRequest(http.MethodPost, u, io.NopCloser(strings.NewReader("upload")))
			if err != nil {
				t.Fatal(err)
			}
			req.ContentLength = -1 // chunked, which trailers need in HTTP/1.1
			req.Trailer = http.Header{"X-Checksum": {"crc32=99"}}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if got := res.Trailer.Get("X-Got-X-Checksum"); got != "crc32=99" {
				t.Errorf("%s client to %s: the origin got request trailer %q, want crc32=99 (trailers %v)", name, u, got, res.Trailer)
			}
			f := tp.rec.wait(t, "upload", finalFor(u))
			checkTrailers(t, name+" flow "+u, f.Request.Trailer, http.Header{"X-Checksum": {"crc32=99"}})
			if string(f.Request.Body.Data) != "upload" {
				t.Errorf("%s: request body %q", u, f.Request.Body.Data)
			}
		}
	}
}

// Trailers a raw HTTP/1.1 client sends without announcing them reach an
// HTTP/1.1 origin, and the answer's trailers come back after its last
// chunk on the same connection, which then serves the next request.
func TestHTTP1UnannouncedTrailersBothWays(t *testing.T) {
	origin := httptest.NewServer(trailerOrigin())
	defer origin.Close()
	tp := startProxy(t, Config{})
	conn, br := dialRaw(t, tp.addr)
	u := origin.URL + "/raw?stream"
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n\r\n"+
		"6\r\nupload\r\n0\r\nX-Unannounced: yes\r\n\r\n", u, origin.Listener.Addr())
	var raw bytes.Buffer // the answer as it came: ReadResponse takes Trailer out of the header
	rr := bufio.NewReader(io.TeeReader(br, &raw))
	res, err := http.ReadResponse(rr, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil || string(body) != "message" {
		t.Fatalf("body %q, %v", body, err)
	}
	checkTrailers(t, "raw client", res.Trailer, wantTrailers)
	checkTrailers(t, "raw client", res.Trailer, http.Header{"X-Got-X-Unannounced": {"yes"}})
	if !strings.Contains(raw.String(), "\r\nTrailer: Grpc-Message, Grpc-Status\r\n") {
		t.Errorf("the announced trailers are not announced:\n%s", raw.Bytes())
	}
	f := tp.rec.wait(t, "raw upload", finalFor(u))
	checkTrailers(t, "flow", f.Request.Trailer, http.Header{"X-Unannounced": {"yes"}})
	checkTrailers(t, "flow", f.Response.Trailer, wantTrailers)

	// The connection is still in step: the next request is answered.
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", origin.URL+"/next", origin.Listener.Addr())
	if res, err = http.ReadResponse(rr, nil); err != nil {
		t.Fatalf("next request on the connection: %v", err)
	}
	io.Copy(io.Discard, res.Body)
	checkTrailers(t, "second answer", res.Trailer, wantTrailers)
}

// curl, reading with --raw, prints a chunked body as it came, trailers
// included: from an HTTP/1.1 origin, and from an h2 origin (a gRPC-like
// answer read by an HTTP/1.1 client).
func TestCurlSeesChunkedTrailers(t *testing.T) {
	curl := needCurl(t)
	h1, h2 := trailerOrigins(t)
	tp := startProxy(t, Config{RootCAs: poolOf(h1.Certificate())})
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, tp.minter.CA().PEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, o := range []*httptest.Server{h1, h2} {
		for _, query := range []string{"", "?stream"} {
			u := o.URL + "/curl" + query
			out, err := exec.Command(curl, "--silent", "--show-error", "--raw", "--http1.1", "--max-time", "20",
				"--proxy", "http://"+tp.addr, "--cacert", ca, u).CombinedOutput()
			if err != nil {
				t.Fatalf("curl %s: %v\n%s", u, err, out)
			}
			for _, line := range []string{"message", "0\r\n", "Grpc-Status: 7\r\n", "Grpc-Message: permission denied\r\n", "X-Late: unannounced\r\n"} {
				if !bytes.Contains(out, []byte(line)) {
					t.Errorf("curl %s: no %q in the raw body:\n%q", u, line, out)
				}
			}
		}
	}
}
