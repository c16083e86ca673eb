package session

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/internal/testutil"
)

// harFlows are flows that exercise every corner of the HAR mapping.
func harFlows(t *testing.T) []*Flow {
	full := fullFlow(1)
	full.ID = "full"

	zipped := smallFlow(2)
	zipped.ID = "gzip"
	zipped.Response.Header.Set("Content-Encoding", "gzip")
	zipped.Response.Header.Add("Set-Cookie", "a=b; Path=/; HttpOnly")
	zipped.Response.Body = Body{Data: testutil.Gzip(`{"ok":true}`)}
	zipped.Response.Body.Size = int64(len(zipped.Response.Body.Data))
	zipped.Request.Header.Set("Cookie", "x=1; y=2")

	cut := smallFlow(3)
	cut.ID = "truncated-gzip"
	cut.Response.Header.Set("Content-Encoding", "gzip")
	data := testutil.Gzip(strings.Repeat("lorem ipsum ", 1000))
	cut.Response.Body = Body{Data: data[:40], Size: int64(len(data)), Truncated: true}

	binary := smallFlow(4)
	binary.ID = "binary-post"
	binary.Request.Method = "POST"
	binary.Request.URL = "http://host.test/up?q=a%20b&x=%2F&flag"
	binary.Request.Header.Set("Content-Type", "application/octet-stream")
	binary.Request.Body = Body{Data: []byte{0, 1, 2, 0xff, 0xfe, '\n'}, Size: 6}

	failed := &Flow{ID: "failed", State: Failed, Kind: HTTP,
		Request: &Request{Method: "GET", URL: "https://gone.test/", Proto: "HTTP/1.1", Header: http.Header{}},
		Err:     &Error{Phase: PhaseDial, Msg: "no such host gone.test", Hint: "check the name"},
		Timings: Timings{RequestReceived: at(1_700_000_000, 1), Complete: at(1_700_000_000, 9)}}

	tunnel := &Flow{ID: "tunnel", State: Done, Kind: Tunnel,
		Client:  Peer{Addr: "127.0.0.1:5555"},
		Request: &Request{Method: "CONNECT", URL: "127.0.0.1:443", Proto: "HTTP/1.1", Header: http.Header{}},
		Stream:  &StreamStats{BytesUp: 100, BytesDown: 2000},
		Timings: Timings{RequestReceived: at(1_700_000_000, 1), Complete: at(1_700_000_001, 0)}}

	pending := &Flow{ID: "pending", State: Pending,
		Request: &Request{Method: "PUT", URL: "http://a.test/", Header: http.Header{"Content-Length": {"10"}}, Body: Body{Size: 10}}}
	return []*Flow{full, zipped, cut, binary, failed, tunnel, pending}
}

func TestHARRoundTripEveryField(t *testing.T) {
	want := harFlows(t)
	var buf bytes.Buffer
	if err := WriteHAR(&buf, HARCreator{Name: "siphon", Version: "test"}, want...); err != nil {
		t.Fatal(err)
	}
	if !json.Valid(buf.Bytes()) {
		t.Fatalf("not JSON:\n%s", buf.Bytes())
	}
	var got []*Flow
	n, err := ReadHAR(bytes.NewReader(buf.Bytes()), func(f *Flow) error {
		got = append(got, f)
		return nil
	})
	if err != nil || n != len(want) {
		t.Fatalf("ReadHAR = %d, %v; want %d flows", n, err, len(want))
	}
	for i, w := range want {
		w = w.Clone()
		w.Seq, w.Source = 0, Imported
		if !reflect.DeepEqual(got[i], w) {
			t.Errorf("flow %s after HAR round trip:\n got %+v\nwant %+v", w.ID, describe(got[i]), describe(w))
		}
	}
}

// describe spells out a flow's pointers for failure messages.
func describe(f *Flow) string {
	b, _ := json.Marshal(struct {
		F        *Flow
		Req      *Request
		Resp     *Response
		Orig     *Request
		Err      *Error
		Stream   *StreamStats
		Timings  Timings
		ReqBody  string
		RespBody string
	}{F: f, Req: f.Request, Resp: f.Response, Orig: f.Original, Err: f.Err, Stream: f.Stream, Timings: f.Timings})
	return string(b)
}

func TestHARTextsAndSizes(t *testing.T) {
	flows := harFlows(t)
	var buf bytes.Buffer
	if err := WriteHAR(&buf, HARCreator{Name: "siphon"}, flows...); err != nil {
		t.Fatal(err)
	}
	var doc struct{ Log harLog }
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	e := doc.Log.Entries
	if doc.Log.Version != "1.2" || doc.Log.Creator.Name != "siphon" || len(e) != len(flows) {
		t.Fatalf("log header: %+v, %d entries", doc.Log.Creator, len(e))
	}
	// A gzip response is exported decoded, with the wire bytes kept aside.
	c := e[1].Response.Content
	if c.Text == nil || *c.Text != `{"ok":true}` || c.Encoding != "" || c.Wire == "" || c.Size != 11 {
		t.Errorf("gzip content = %+v", c)
	}
	if e[1].Response.BodySize != harNum(flows[1].Response.Body.Size) {
		t.Errorf("bodySize = %v, want the wire size %d", e[1].Response.BodySize, flows[1].Response.Body.Size)
	}
	// Cookies are written for other tools (siphon reads them from headers).
	ze := harEntryOf(flows[1])
	if len(ze.Request.Cookies) != 2 || ze.Response.Cookies[0].Name != "a" || !ze.Response.Cookies[0].HTTPOnly {
		t.Errorf("cookies: request %+v response %+v", ze.Request.Cookies, ze.Response.Cookies)
	}
	// A truncated body is flagged.
	if !e[2].Response.Content.Truncated {
		t.Error("truncated response not flagged")
	}
	// A binary request body is base64 with _encoding.
	pd := e[3].Request.PostData
	if pd == nil || pd.Encoding != "base64" || pd.Text != "AAEC//4K" || pd.MimeType != "application/octet-stream" {
		t.Errorf("binary postData = %+v", pd)
	}
	q := e[3].Request.QueryString
	if len(q) != 3 || q[0] != (harNV{Name: "q", Value: "a b"}) || q[1].Value != "/" || q[2].Name != "flag" {
		t.Errorf("queryString = %+v", q)
	}
	// A failure has status 0 and the error under _siphon.
	if e[4].Response.Status != 0 || e[4].Siphon.Error == nil || e[4].Siphon.Error.Phase != PhaseDial {
		t.Errorf("failed entry: %+v %+v", e[4].Response, e[4].Siphon.Error)
	}
	// A CONNECT target becomes an absolute URI.
	if e[5].Request.URL != "https://127.0.0.1:443" {
		t.Errorf("tunnel url = %q", e[5].Request.URL)
	}
	// serverIPAddress comes from the upstream address.
	if e[0].ServerIPAddress != "93.184.216.34" {
		t.Errorf("serverIPAddress = %q", e[0].ServerIPAddress)
	}
}

func TestHARTimings(t *testing.T) {
	f := fullFlow(1) // moments 1 ms apart, from ClientConnect (1) to Complete (13)
	tm := harTimingsOf(&f.Timings)
	want := harTimings{Blocked: 1, DNS: 1, Connect: 3, SSL: 1, Send: 1, Wait: 1, Receive: 1}
	if tm != want {
		t.Errorf("timings = %+v, want %+v", tm, want)
	}
	reused := Timings{RequestReceived: at(1, 0), RequestSent: at(1, 2), FirstByte: at(1, 5), Complete: at(1, 11)}
	tm = harTimingsOf(&reused)
	want = harTimings{Blocked: -1, DNS: -1, Connect: -1, SSL: -1, Send: 2, Wait: 3, Receive: 6}
	if tm != want {
		t.Errorf("reused connection timings = %+v, want %+v", tm, want)
	}
	// Without siphon's exact moments, import lays the phases end to end.
	e := harEntry{StartedDateTime: "2023-11-14T22:13:20.004Z", Time: 9, Timings: want}
	e.Timings.Blocked = 0.5
	got, err := timingsOfHAR(&e)
	if err != nil {
		t.Fatal(err)
	}
	start := at(1_700_000_000, 4)
	if got.RequestReceived != start || Span(start, got.RequestSent).Seconds() != 0.0025 ||
		Span(start, got.FirstByte).Seconds() != 0.0055 || Span(start, got.Complete).Seconds() != 0.009 {
		t.Errorf("rebuilt timings: %+v", got)
	}
}
