package mitm

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// A response of known length goes to an HTTP/2 client as its headers and
// its body, the last DATA frame ending the stream: not flushed piece by
// piece, with an empty DATA frame to end it (one write and one frame more
// per response; streams of unknown length are flushed chunk by chunk, see
// TestHTTP2StreamsChunkByChunk).
func TestHTTP2KnownLengthResponseIsNotFlushedInPieces(t *testing.T) {
	body := strings.Repeat("x", 1000)
	h2 := h2Origin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		fmt.Fprint(w, body)
	}))
	tp := startProxy(t, Config{RootCAs: poolOf(h2.Certificate())})
	u, _ := url.Parse(h2.URL)

	conn, err := net.DialTimeout("tcp", tp.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	fmt.Fprintf(conn, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", u.Host, u.Host)
	br := bufio.NewReader(conn)
	if res, err := http.ReadResponse(br, nil); err != nil || res.StatusCode != 200 {
		t.Fatalf("CONNECT: %v %v", res, err)
	}
	tc := tls.Client(conn, &tls.Config{RootCAs: tp.minter.CA().Pool(), ServerName: u.Hostname(), NextProtos: []string{"h2"}})
	if err := tc.Handshake(); err != nil || tc.ConnectionState().NegotiatedProtocol != "h2" {
		t.Fatalf("handshake: %v, ALPN %q", err, tc.ConnectionState().NegotiatedProtocol)
	}
	tc.Write([]byte(http2.ClientPreface))
	fr := http2.NewFramer(tc, tc)
	fr.WriteSettings()
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	for _, f := range [][2]string{{":method", "GET"}, {":scheme", "https"}, {":authority", u.Host}, {":path", "/known"}} {
		enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hb.Bytes(), EndStream: true, EndHeaders: true})

	var frames []string
	got := 0
	for i := 0; i < 50; i++ {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatalf("after frames %v: %v", frames, err)
		}
		if f.Header().StreamID != 1 {
			if s, ok := f.(*http2.SettingsFrame); ok && !s.IsAck() {
				fr.WriteSettingsAck()
			}
			continue
		}
		switch f := f.(type) {
		case *http2.HeadersFrame:
			frames = append(frames, "HEADERS")
		case *http2.DataFrame:
			got += len(f.Data())
			frames = append(frames, fmt.Sprintf("DATA %d", len(f.Data())))
		default:
			t.Fatalf("unexpected %v after %v", f, frames)
		}
		if f.Header().Flags.Has(http2.FlagDataEndStream) {
			break
		}
	}
	if want := []string{"HEADERS", fmt.Sprintf("DATA %d", len(body))}; got != len(body) || fmt.Sprint(frames) != fmt.Sprint(want) {
		t.Errorf("frames of stream 1: %v (%d body bytes), want %v", frames, got, want)
	}
}
