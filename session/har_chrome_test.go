package session

import (
	"os"
	"strings"
	"testing"
)

// chromeFailedHAR is the Chrome fixture with entries turned into failures
// the way DevTools writes them (see testdata/har/README.md).
const chromeFailedHAR = "testdata/har/chrome-failed.har"

// TestImportChromeFailures reads Chrome's reason for a failed request from
// where DevTools writes it, response._error, into the flow's Error.
func TestImportChromeFailures(t *testing.T) {
	fh, err := os.Open(chromeFailedHAR)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var flows []*Flow
	if _, err := ReadHAR(fh, func(f *Flow) error { flows = append(flows, f); return nil }); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		status     int // 0: no response
		phase, msg string
	}{
		{status: 200}, // "_error": null, as Chrome writes it for a success
		{0, PhaseDial, "net::ERR_NAME_NOT_RESOLVED"},
		{0, PhaseDial, "net::ERR_CONNECTION_REFUSED"},
		{0, PhaseUpstreamTLS, "net::ERR_CERT_AUTHORITY_INVALID"},
		{0, PhaseClient, "net::ERR_BLOCKED_BY_CLIENT"},
		{200, PhaseClient, "net::ERR_ABORTED"}, // cancelled after the headers came
		{0, PhaseUpstream, "net::ERR_CONNECTION_RESET"},
	}
	if len(flows) != len(want) {
		t.Fatalf("%d flows, want %d", len(flows), len(want))
	}
	for i, w := range want {
		f := flows[i]
		status := 0
		if f.Response != nil {
			status = f.Response.Status
		}
		if status != w.status {
			t.Errorf("flow %d: status %d, want %d", i, status, w.status)
		}
		switch {
		case w.msg == "" && (f.Err != nil || f.State != Done):
			t.Errorf("flow %d: state %v, error %v; want a finished flow", i, f.State, f.Err)
		case w.msg != "" && (f.Err == nil || f.State != Failed || f.Err.Phase != w.phase || f.Err.Msg != w.msg || f.Err.Hint == ""):
			t.Errorf("flow %d: state %v, error %+v; want failed in phase %s with %q and a hint",
				i, f.State, f.Err, w.phase, w.msg)
		}
	}
}

// TestImportChromeHARHasNoFailures checks the unedited Chrome fixture:
// it has no failed request, and none of its entries imports as one.
func TestImportChromeHARHasNoFailures(t *testing.T) {
	fh, err := os.Open(chromeHAR)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	n, err := ReadHAR(fh, func(f *Flow) error {
		if f.Err != nil || f.State != Done {
			t.Errorf("%s: state %v, error %v", f.Request.URL, f.State, f.Err)
		}
		return nil
	})
	if err != nil || n != 15 {
		t.Errorf("read %d flows, %v; want 15", n, err)
	}
}

// The entry-level "_error" of older exports is still read when the
// response has none; the response's wins when both are there.
func TestImportChromeEntryLevelError(t *testing.T) {
	entry := func(entryErr, responseErr string) string {
		return `{"startedDateTime":"2024-01-01T00:00:00Z","time":5,` +
			`"request":{"method":"GET","url":"http://app.test/","httpVersion":"","headers":[],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":0},` +
			`"response":{"status":0,"statusText":"","httpVersion":"","headers":[],"cookies":[],"content":{"size":0,"mimeType":"x-unknown"},"redirectURL":"","headersSize":-1,"bodySize":-1` +
			responseErr + `},"cache":{},"timings":{"blocked":5,"send":0,"wait":0,"receive":0}` + entryErr + `}`
	}
	for _, c := range []struct {
		name, entryErr, responseErr string
		phase, msg                  string
	}{
		{"entry only", `,"_error":"net::ERR_NAME_NOT_RESOLVED"`, "", PhaseDial, "net::ERR_NAME_NOT_RESOLVED"},
		{"entry only, response null", `,"_error":"net::ERR_CERT_DATE_INVALID"`, `,"_error":null`, PhaseUpstreamTLS, "net::ERR_CERT_DATE_INVALID"},
		{"both", `,"_error":"net::ERR_NAME_NOT_RESOLVED"`, `,"_error":"net::ERR_BLOCKED_BY_CLIENT"`, PhaseClient, "net::ERR_BLOCKED_BY_CLIENT"},
		{"entry not a string", `,"_error":{"code":-105}`, "", PhaseUpstream, noResponseError().Msg},
	} {
		t.Run(c.name, func(t *testing.T) {
			var flows []*Flow
			har := `{"log":{"version":"1.2","entries":[` + entry(c.entryErr, c.responseErr) + `]}}`
			n, err := ReadHAR(strings.NewReader(har), func(f *Flow) error { flows = append(flows, f); return nil })
			if err != nil || n != 1 {
				t.Fatalf("read %d flows, %v; want 1", n, err)
			}
			f := flows[0]
			if f.Err == nil || f.State != Failed || f.Err.Phase != c.phase || f.Err.Msg != c.msg {
				t.Errorf("state %v, error %+v; want failed in phase %s with %q", f.State, f.Err, c.phase, c.msg)
			}
		})
	}
}
