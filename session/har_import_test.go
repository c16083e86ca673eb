package session

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const chromeHAR = "testdata/har/chrome-softwareishard.har"

// chromeEntries decodes the fixture with encoding/json, independently of
// ReadHAR, for comparison.
func chromeEntries(t *testing.T) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(chromeHAR)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Log struct{ Entries []map[string]any }
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Log.Entries
}

func TestImportChromeHAR(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	fh, err := os.Open(chromeHAR)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	n, err := ImportHAR(fh, s)
	if err != nil {
		t.Fatal(err)
	}
	entries := chromeEntries(t)
	if n != len(entries) || s.Len() != n {
		t.Fatalf("imported %d flows (store has %d), file has %d entries", n, s.Len(), len(entries))
	}
	for i, lf := range s.List(nil, 0, -1) {
		f, err := s.Get(lf.ID)
		if err != nil {
			t.Fatal(err)
		}
		e := entries[i]
		req, resp := e["request"].(map[string]any), e["response"].(map[string]any)
		content := resp["content"].(map[string]any)
		if f.Source != Imported || f.Kind != HTTP || f.State != Done || f.ID == "" {
			t.Errorf("flow %d: source %v kind %v state %v id %q", i, f.Source, f.Kind, f.State, f.ID)
		}
		if f.Request.Method != req["method"] || f.Request.URL != req["url"] || f.Request.Proto != req["httpVersion"] {
			t.Errorf("flow %d request line: %s %s %s", i, f.Request.Method, f.Request.URL, f.Request.Proto)
		}
		if got, want := f.Response.Status, int(resp["status"].(float64)); got != want {
			t.Errorf("flow %d status %d, want %d", i, got, want)
		}
		for _, h := range req["headers"].([]any) {
			nv := h.(map[string]any)
			name := nv["name"].(string)
			if strings.HasPrefix(name, ":") {
				if f.Request.Header.Get(name) != "" {
					t.Errorf("flow %d kept pseudo-header %s", i, name)
				}
				continue
			}
			if !contains(f.Request.Header.Values(name), nv["value"].(string)) {
				t.Errorf("flow %d lost request header %s", i, name)
			}
		}
		// The body reads back as the text Chrome saved, whatever the
		// Content-Encoding it was sent with.
		text, _ := content["text"].(string)
		want := []byte(text)
		if content["encoding"] == "base64" {
			want, _ = base64.StdEncoding.DecodeString(text)
		}
		got, err := f.Response.Text()
		if err != nil {
			t.Errorf("flow %d body: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("flow %d body: %d bytes, want %d", i, len(got), len(want))
		}
		// Chrome writes a negative time for cached entries; the phases
		// then give the duration.
		total := e["time"].(float64)
		if total < 0 {
			total = 0
			for _, k := range []string{"blocked", "dns", "connect", "send", "wait", "receive"} {
				total += max(e["timings"].(map[string]any)[k].(float64), 0)
			}
		}
		if d, want := f.Duration(), time.Duration(total*1e6); d-want > time.Microsecond || want-d > time.Microsecond {
			t.Errorf("flow %d duration %v, want %v", i, d, want)
		}
	}
	first, _ := s.Get(s.List(nil, 0, 1)[0].ID)
	if first.Server.Addr != "[2a00:1ed0:2:0:1:5bef:c83b:1]:80" {
		t.Errorf("server address %q", first.Server.Addr)
	}
	if first.Response.Header.Get("Content-Encoding") != "gzip" || len(first.Response.Body.Data) >= 69552 {
		t.Errorf("gzip body kept decoded: %d bytes", len(first.Response.Body.Data))
	}
	if d := Span(first.Timings.DNSStart, first.Timings.DNSDone); d.Round(time.Millisecond) != 256*time.Millisecond {
		t.Errorf("dns %v, want 255.784ms", d)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestImportHARBadInput checks that every malformed file gets an error
// that says where and what, and that the store keeps exactly what it held.
func TestImportHARBadInput(t *testing.T) {
	good := `{"startedDateTime":"2024-01-01T00:00:00Z","time":1,"request":{"method":"GET","url":"http://a.test/","headers":[]},"response":{"status":200,"headers":[],"content":{"size":0}},"timings":{"send":0,"wait":0,"receive":0}}`
	cases := []struct{ name, doc, want string }{
		{"not json", `hello`, "invalid JSON at offset"},
		{"empty", ``, "unexpected end of file"},
		{"not an object", `[1,2]`, `want "{"`},
		{"no entries", `{"log":{"version":"1.2"}}`, "no log.entries"},
		{"cut short", `{"log":{"entries":[` + good + `,`, "entry 1"},
		{"no request", `{"log":{"entries":[` + good + `,{}]}}`, "entry 1: no request"},
		{"bad base64", `{"log":{"entries":[` + strings.Replace(good, `"size":0}`, `"size":3,"text":"!!","encoding":"base64"}`, 1) + `]}}`, "entry 0: response: content: base64 text"},
		{"bad encoding", `{"log":{"entries":[` + strings.Replace(good, `"size":0}`, `"size":3,"text":"abc","encoding":"rot13"}`, 1) + `]}}`, `unsupported encoding "rot13"`},
		{"bad status", `{"log":{"entries":[` + strings.Replace(good, `"status":200`, `"status":2000`, 1) + `]}}`, "status 2000"},
		{"bad date", `{"log":{"entries":[` + strings.Replace(good, `2024-01-01T00:00:00Z`, `yesterday`, 1) + `]}}`, `startedDateTime "yesterday"`},
		{"wrong type", `{"log":{"entries":[` + strings.Replace(good, `"method":"GET"`, `"method":7`, 1) + `]}}`, "entry 0: request.method"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.db")
			s := openStore(t, path, Options{})
			keep := smallFlow(1)
			s.Add(keep)
			n, err := ImportHAR(strings.NewReader(tc.doc), s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ImportHAR error = %v, want one containing %q", err, tc.want)
			}
			if n != 0 || s.Len() != 1 {
				t.Fatalf("after a failed import: n = %d, store has %d flows, want 0 and 1", n, s.Len())
			}
			mustClose(t, s)
			s = openStore(t, path, Options{})
			if s.Len() != 1 || s.List(nil, 0, 1)[0].ID != keep.ID {
				t.Fatalf("session file after a failed import holds %d flows", s.Len())
			}
		})
	}
}

func TestExportHARFromStore(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	want := harFlows(t)
	for _, f := range want {
		s.Add(f)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	onlyPOST := MatcherFunc(func(f *Flow) bool { return f.Request.Method == "POST" })
	n, err := s.ExportHAR(context.Background(), &buf, onlyPOST, HARCreator{Name: "siphon"})
	if err != nil || n != 2 {
		t.Fatalf("ExportHAR = %d, %v; want the 2 POSTs", n, err)
	}

	// Re-importing the whole session into another store gives the same
	// flows, bodies read from disk included, with the same IDs.
	buf.Reset()
	if n, err = s.ExportHAR(context.Background(), &buf, nil, HARCreator{Name: "siphon"}); err != nil || n != len(want) {
		t.Fatalf("ExportHAR all = %d, %v", n, err)
	}
	s2 := openStore(t, filepath.Join(t.TempDir(), "s2.db"), Options{})
	if n, err := ImportHAR(&buf, s2); err != nil || n != len(want) {
		t.Fatalf("ImportHAR = %d, %v", n, err)
	}
	for _, w := range want {
		got, err := s2.Get(w.ID)
		if err != nil {
			t.Fatal(err)
		}
		orig, _ := s.Get(w.ID)
		got.Seq, got.Source = orig.Seq, orig.Source
		if !reflect.DeepEqual(got, orig) {
			t.Errorf("flow %s re-imported:\n got %s\nwant %s", w.ID, describe(got), describe(orig))
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.ExportHAR(ctx, &bytes.Buffer{}, nil, HARCreator{}); !errors.Is(err, context.Canceled) {
		t.Errorf("ExportHAR with a cancelled context: %v", err)
	}
}

// failingWriter fails after n bytes, like a full disk.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return w.n, errors.New("disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

func TestExportHARWriteError(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	for i := range 200 {
		f := smallFlow(i)
		f.Response.Body = Body{Data: bytes.Repeat([]byte("x"), 4096), Size: 4096}
		s.Add(f)
	}
	_, err := s.ExportHAR(context.Background(), &failingWriter{n: 100 << 10}, nil, HARCreator{})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("ExportHAR to a failing writer: %v", err)
	}
	if s.Len() != 200 {
		t.Fatalf("store lost flows: %d", s.Len())
	}
}
