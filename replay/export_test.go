package replay

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

func exportFlow() *session.Flow {
	return &session.Flow{ID: "f1", State: session.Done, Kind: session.HTTP,
		Request: &session.Request{Method: "POST", URL: "https://api.test/v1/x?a=1", Proto: "HTTP/1.1",
			Header: http.Header{"Content-Type": {"text/plain"}, "User-Agent": {"t"}}, Body: session.Body{Data: []byte("hi"), Size: 2}},
		Response: &session.Response{Status: 201, Reason: "Created", Proto: "HTTP/1.1",
			Header: http.Header{"Content-Length": {"2"}}, Body: session.Body{Data: []byte("ok"), Size: 2}}}
}

func TestExportFormats(t *testing.T) {
	f := exportFlow()
	want := map[Format]string{
		FormatCurl:        "curl 'https://api.test/v1/x?a=1' \\\n  -H 'Content-Type: text/plain' \\\n  -H 'User-Agent: t' \\\n  -H Accept: \\\n  --data-raw hi",
		FormatHTTPie:      "http --ignore-stdin \\\n  --raw=hi \\\n  POST 'https://api.test/v1/x?a=1' \\\n  Content-Type:text/plain \\\n  User-Agent:t \\\n  Accept: \\\n  Accept-Encoding:",
		FormatRawRequest:  "POST /v1/x?a=1 HTTP/1.1\r\nHost: api.test\r\nContent-Type: text/plain\r\nUser-Agent: t\r\n\r\nhi",
		FormatRawResponse: "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
	}
	if len(Formats()) != 5 || Formats()[0] != FormatCurl || FormatHAR.Label() != "HAR (this flow)" {
		t.Errorf("Formats() = %v", Formats())
	}
	for _, format := range Formats() {
		got, err := Export(format, f)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if format == FormatHAR {
			var n int
			if _, err := session.ReadHAR(bytes.NewReader(got), func(g *session.Flow) error {
				n++
				if g.ID != "f1" || string(g.Response.Body.Data) != "ok" {
					t.Errorf("HAR export read back as %+v", g)
				}
				return nil
			}); err != nil || n != 1 {
				t.Errorf("HAR export: %d flows, %v", n, err)
			}
			continue
		}
		if string(got) != want[format] {
			t.Errorf("%s:\n%q\nwant\n%q", format, got, want[format])
		}
	}
	if p, err := ParseFormat("RAW-request"); err != nil || p != FormatRawRequest {
		t.Errorf("ParseFormat = %v, %v", p, err)
	}
	if _, err := ParseFormat("xml"); err == nil || !strings.Contains(err.Error(), "curl, httpie") {
		t.Errorf("ParseFormat(xml) error %v", err)
	}
}

func TestExportRefusals(t *testing.T) {
	unloaded := exportFlow()
	unloaded.Response.Body.Unloaded = true
	if _, err := Export(FormatHAR, unloaded); !errors.Is(err, ErrUnloaded) {
		t.Errorf("HAR of a listed flow: %v", err)
	}
	if _, err := Export(FormatRawResponse, unloaded); !errors.Is(err, ErrUnloaded) {
		t.Errorf("raw response of a listed flow: %v", err)
	}
	noResp := exportFlow()
	noResp.Response = nil
	if _, err := Export(FormatRawResponse, noResp); !errors.Is(err, ErrNoResponse) {
		t.Errorf("raw response without one: %v", err)
	}
	if _, err := Export("xml", noResp); err == nil {
		t.Error("unknown format exported")
	}
	// A raw request keeps what was captured, even cut short.
	cut := exportFlow()
	cut.Request.Body.Truncated, cut.Request.Body.Size = true, 100
	if got, err := Export(FormatRawRequest, cut); err != nil || !strings.HasSuffix(string(got), "\r\n\r\nhi") {
		t.Errorf("raw truncated request: %q, %v", got, err)
	}
}
