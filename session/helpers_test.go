package session

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// at returns a moment sec seconds and ms milliseconds after the Unix epoch.
// at(…).Time() is a time as stored sessions give it back (no monotonic
// reading, local zone), so reloaded flows compare with reflect.DeepEqual.
func at(sec int64, ms int) Stamp {
	return StampOf(time.Unix(sec, int64(ms)*int64(time.Millisecond)))
}

// fullFlow returns a flow with every field set to something non-zero.
func fullFlow(i int) *Flow {
	base := int64(1_700_000_000 + i)
	return &Flow{
		State:    Done,
		Source:   Replay,
		Kind:     WebSocket,
		Listener: "socks5@1080",
		Client:   Peer{Addr: "127.0.0.1:50000", SNI: "example.com", TLSVersion: "TLS 1.3", ALPN: "http/1.1"},
		Server:   Peer{Addr: "93.184.216.34:443", SNI: "example.com", TLSVersion: "TLS 1.2", ALPN: "h2"},
		Request: &Request{
			Method:  "POST",
			URL:     fmt.Sprintf("https://example.com/api/%d?q=1", i),
			Proto:   "HTTP/1.1",
			Header:  http.Header{"Content-Type": {"application/json"}, "X-Multi": {"a", "b"}},
			Body:    Body{Data: []byte(fmt.Sprintf(`{"n":%d}`, i)), Size: 1 << 20, Truncated: true},
			Trailer: http.Header{"X-Checksum": {"sha256=abc"}},
		},
		Response: &Response{
			Status: 201,
			Reason: "Created",
			Proto:  "HTTP/1.1",
			Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}, "Content-Encoding": {"identity"}},
			Body:   Body{Data: []byte("hello\x00binary\xff"), Size: 5000, Truncated: true},
			Trailer: http.Header{"Grpc-Status": {"13"}, "Grpc-Message": {"boom: caf\u00e9"},
				"X-Custom-Trailer": {"one", "two"}},
		},
		Err: &Error{Phase: PhaseUpstream, Msg: "connection reset", Hint: "the origin closed the connection"},
		Timings: Timings{
			ClientConnect: at(base, 1), ClientTLSStart: at(base, 2), ClientTLSDone: at(base, 3),
			RequestReceived: at(base, 4), DNSStart: at(base, 5), DNSDone: at(base, 6),
			ConnectStart: at(base, 7), ConnectDone: at(base, 8), TLSStart: at(base, 9),
			TLSDone: at(base, 10), RequestSent: at(base, 11), FirstByte: at(base, 12),
			Complete: at(base, 13),
		},
		Original: &Request{
			Method:  "PUT",
			URL:     "https://example.com/original",
			Proto:   "HTTP/1.0",
			Header:  http.Header{"X-Original": {"yes"}},
			Body:    Body{Data: []byte("original body"), Size: 130, Truncated: true},
			Trailer: http.Header{"X-Checksum": {"original"}},
		},
		Marked:  true,
		Comment: "looked at this one",
		Stream:  &StreamStats{BytesUp: 10, BytesDown: 20, FramesUp: 1, FramesDown: 2, PingsUp: 3, PingsDown: 4, PongsUp: 5, PongsDown: 6, Closed: at(base, 14).Time()},
	}
}

// smallFlow returns a finished GET with a small response body.
func smallFlow(i int) *Flow {
	t := at(1_700_000_000, i%1000)
	return &Flow{
		State: Done,
		Request: &Request{Method: "GET", URL: fmt.Sprintf("http://host%d.test/path/%d", i%10, i),
			Proto: "HTTP/1.1", Header: http.Header{"User-Agent": {"curl/8.0"}, "Accept": {"*/*"}}},
		Response: &Response{Status: 200 + i%2*204, Reason: "OK", Proto: "HTTP/1.1",
			Header: http.Header{"Content-Type": {"text/plain"}, "Content-Length": {"12"}},
			Body:   Body{Data: []byte("hello world\n"), Size: 12}},
		Timings: Timings{RequestReceived: t, Complete: t.Add(time.Duration(i%500) * time.Millisecond)},
	}
}

// withoutBodies returns a copy of f as List returns it.
func withoutBodies(f *Flow) *Flow {
	c := f.Clone()
	for _, b := range bodyRefs(c) {
		if b != nil {
			b.Data, b.Unloaded = nil, true
		}
	}
	return c
}

// openStore opens path and closes it when the test ends.
func openStore(t testing.TB, path string, opts Options) *Store {
	t.Helper()
	s, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustFlush(t testing.TB, s *Store) {
	t.Helper()
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
}

func mustClose(t testing.TB, s *Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// assertRejected checks that opening path fails with ErrNotSession, names
// the file, and leaves its bytes (and its directory) as they were.
func assertRejected(t *testing.T, path string, opts Options) error {
	t.Helper()
	before := readFile(t, path)
	entries, _ := os.ReadDir(filepath.Dir(path))
	s, err := Open(path, opts)
	if err == nil {
		s.Close()
		t.Fatalf("Open(%s) succeeded, want an error", path)
	}
	if !errors.Is(err, ErrNotSession) {
		t.Errorf("Open error = %v, want ErrNotSession", err)
	}
	if want := "open session " + path + ": not a siphon session file ("; !bytes.Contains([]byte(err.Error()), []byte(want)) {
		t.Errorf("Open error = %q, want it to contain %q", err, want)
	}
	if after := readFile(t, path); !bytes.Equal(before, after) {
		t.Errorf("Open modified the rejected file")
	}
	if after, _ := os.ReadDir(filepath.Dir(path)); len(after) != len(entries) {
		t.Errorf("Open left files behind: %d entries before, %d after", len(entries), len(after))
	}
	return err
}
