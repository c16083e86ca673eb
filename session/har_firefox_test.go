package session

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// firefoxHAR is a small file made by hand in the shape Firefox's network
// monitor writes: local times with an offset, "_securityState",
// "_priority", "connection", "cache": {} (or {"afterRequest": null}),
// -1 and {} timings, bodies decoded from br and gzip, a form POST with
// both params and text, a 304, a base64 image, and two entries with
// status 0 and no "_error" (a blocked tracker, a cancelled request).
const firefoxHAR = "testdata/har/firefox-handmade.har"

func TestImportFirefoxHAR(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	fh, err := os.Open(firefoxHAR)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	n, err := ImportHAR(fh, s)
	if err != nil {
		t.Fatal(err)
	}
	if n != 6 || s.Len() != 6 {
		t.Fatalf("imported %d flows (store has %d), want the file's 6", n, s.Len())
	}
	var flows []*Flow
	for _, lf := range s.List(nil, 0, -1) {
		f, err := s.Get(lf.ID)
		if err != nil {
			t.Fatal(err)
		}
		flows = append(flows, f)
	}
	page, search, notModified, icon, blocked, cancelled := flows[0], flows[1], flows[2], flows[3], flows[4], flows[5]

	for _, f := range flows[:4] {
		if f.State != Done || f.Err != nil || f.Response == nil || f.Source != Imported {
			t.Errorf("%s: state %v, err %v, response %v, source %v", f.Request.URL, f.State, f.Err, f.Response != nil, f.Source)
		}
	}
	// The page: brotli-encoded on the wire, decoded in the file.
	if text, err := page.Response.Text(); err != nil || !strings.Contains(string(text), "hello from firefox") {
		t.Errorf("page body %q, %v", text, err)
	}
	if page.Request.Proto != "HTTP/2" || page.Server.Addr != "93.184.215.14:443" {
		t.Errorf("page: proto %q, server %q", page.Request.Proto, page.Server.Addr)
	}
	start := time.Date(2024, 5, 2, 8, 15, 30, 123e6, time.UTC) // 10:15:30.123+02:00
	if got := page.Timings.RequestReceived.Time(); !got.Equal(start) {
		t.Errorf("page started %v, want %v", got, start)
	}
	if d := Span(page.Timings.DNSStart, page.Timings.DNSDone); d != 12*time.Millisecond {
		t.Errorf("page dns %v, want 12ms", d)
	}
	if d := Span(page.Timings.TLSStart, page.Timings.TLSDone); d != 18*time.Millisecond {
		t.Errorf("page TLS %v, want 18ms", d)
	}
	if d := page.Duration(); d != 130*time.Millisecond {
		t.Errorf("page took %v, want 130ms", d)
	}
	// The form POST keeps its text (params only restate it); its gzip
	// answer reads back as the JSON Firefox saved.
	if string(search.Request.Body.Data) != "q=siphon+proxy&page=1" {
		t.Errorf("POST body %q", search.Request.Body.Data)
	}
	if text, err := search.Response.Text(); err != nil || string(text) != `{"results":["siphon"],"total":1}` {
		t.Errorf("POST answer %q, %v", text, err)
	}
	if notModified.Response.Status != 304 || len(notModified.Response.Body.Data) != 0 {
		t.Errorf("304: status %d, %d body bytes", notModified.Response.Status, len(notModified.Response.Body.Data))
	}
	if b := icon.Response.Body.Data; len(b) != 33 || !bytes.HasPrefix(b, []byte("\x89PNG\r\n")) {
		t.Errorf("base64 image: %d bytes % x", len(b), b)
	}

	// Status 0 without "_error": failed flows, not pending ones.
	for _, f := range []*Flow{blocked, cancelled} {
		if f.State != Failed || f.Response != nil || f.Err == nil {
			t.Fatalf("%s: state %v, response %v, err %v; want a failed flow", f.Request.URL, f.State, f.Response, f.Err)
		}
		if f.Err.Phase != PhaseUpstream || f.Err.Msg != "no response recorded (status 0)" || f.Err.Hint == "" {
			t.Errorf("%s: error %+v", f.Request.URL, f.Err)
		}
	}
	if blocked.Request.Proto != "" || len(blocked.Request.Header) != 0 || blocked.Duration() != 0 {
		t.Errorf("blocked request: proto %q, %d headers, took %v", blocked.Request.Proto, len(blocked.Request.Header), blocked.Duration())
	}
	if !cancelled.Timings.RequestReceived.Time().Equal(time.Date(2024, 5, 2, 8, 15, 31, 2e6, time.UTC)) || cancelled.Duration() != 0 {
		t.Errorf("cancelled request with timings {}: started %v, took %v", cancelled.Timings.RequestReceived.Time(), cancelled.Duration())
	}

	// Through siphon's own export and back, the flows stay as imported.
	var buf bytes.Buffer
	if err := WriteHAR(&buf, HARCreator{Name: "siphon"}, flows...); err != nil {
		t.Fatal(err)
	}
	i := 0
	if _, err := ReadHAR(&buf, func(f *Flow) error {
		f.Seq = flows[i].Seq
		if !reflect.DeepEqual(f, flows[i]) {
			t.Errorf("flow %d through export and import:\n got %s\nwant %s", i, describe(f), describe(flows[i]))
		}
		i++
		return nil
	}); err != nil || i != len(flows) {
		t.Fatalf("re-reading the export: %d flows, %v", i, err)
	}
}
