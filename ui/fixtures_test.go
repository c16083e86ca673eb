package ui

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/session"
)

func TestMain(m *testing.M) {
	// Goldens and screen matching compare text, not colours.
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

// base is the moment fixed flows start at; goldens show it in UTC.
var base = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

// timed fills in a flow's timings: starting offset seconds after base and
// taking d in total.
func timed(f *session.Flow, offset int, d time.Duration) *session.Flow {
	t0 := session.StampOf(base.Add(time.Duration(offset) * time.Second))
	f.Timings = session.Timings{
		ClientConnect: t0, RequestReceived: t0.Add(time.Millisecond),
		DNSStart: t0.Add(2 * time.Millisecond), DNSDone: t0.Add(4 * time.Millisecond),
		ConnectStart: t0.Add(4 * time.Millisecond), ConnectDone: t0.Add(9 * time.Millisecond),
		RequestSent: t0.Add(10 * time.Millisecond), FirstByte: t0.Add(d - d/5),
		Complete: t0.Add(time.Millisecond + d),
	}
	if strings.HasPrefix(f.Request.URL, "https:") {
		f.Timings.ConnectDone = t0.Add(6 * time.Millisecond)
		f.Timings.TLSStart, f.Timings.TLSDone = t0.Add(6*time.Millisecond), t0.Add(9*time.Millisecond)
	}
	return f
}

func req(method, url string, h http.Header, body string) *session.Request {
	if h == nil {
		h = http.Header{}
	}
	return &session.Request{Method: method, URL: url, Proto: "HTTP/1.1", Header: h,
		Body: session.Body{Data: []byte(body), Size: int64(len(body))}}
}

func resp(status int, ct string, body []byte, extra ...string) *session.Response {
	h := http.Header{"Content-Type": {ct}, "Date": {"Sat, 14 Mar 2026 09:26:53 GMT"}}
	for i := 0; i+1 < len(extra); i += 2 {
		h.Set(extra[i], extra[i+1])
	}
	return &session.Response{Status: status, Reason: http.StatusText(status), Proto: "HTTP/1.1", Header: h,
		Body: session.Body{Data: body, Size: int64(len(body))}}
}

func pngBytes(w, h int) []byte {
	var b bytes.Buffer
	png.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h)))
	return b.Bytes()
}

// fixedFlows is a session with one of each kind of flow the list draws.
func fixedFlows() []*session.Flow {
	api := "https://api.example.com"
	jsonBody := `{"id":42,"name":"siphon","tags":["proxy","tui"],"ok":true,"owner":null,"score":9.5}`
	client := session.Peer{Addr: "127.0.0.1:50312", SNI: "api.example.com", TLSVersion: "TLS 1.3", ALPN: "http/1.1"}
	server := session.Peer{Addr: "93.184.216.34:443", TLSVersion: "TLS 1.3"}
	flows := []*session.Flow{
		timed(&session.Flow{State: session.Done, Client: client, Server: server,
			Request:  req("GET", api+"/v1/projects/42?expand=owner", http.Header{"Accept": {"application/json"}, "User-Agent": {"curl/8.5.0"}}, ""),
			Response: resp(200, "application/json; charset=utf-8", testutil.Gzip(jsonBody), "Content-Encoding", "gzip")}, 0, 42*time.Millisecond),
		timed(&session.Flow{State: session.Done, Client: client, Server: server,
			Request:  req("POST", api+"/v1/login", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, "user=ada&password=s%26cret&remember=on"),
			Response: resp(201, "application/json", []byte(`{"token":"abc"}`))}, 1, 120*time.Millisecond),
		timed(&session.Flow{State: session.Done, Marked: true, Comment: "check the cache headers",
			Request:  req("GET", "http://static.example.com/logo.png", nil, ""),
			Response: resp(200, "image/png", pngBytes(64, 32), "Cache-Control", "max-age=3600")}, 2, 8*time.Millisecond),
		timed(&session.Flow{State: session.Done,
			Request:  req("PUT", api+"/v1/projects/43", http.Header{"Content-Type": {"application/json"}}, `{"name":"x"}`),
			Response: resp(404, "text/html; charset=utf-8", []byte("<html><head><title>Not found</title></head><body><h1>404</h1><p>No such project.</p></body></html>"))}, 3, 15*time.Millisecond),
		timed(&session.Flow{State: session.Done,
			Request:  req("DELETE", api+"/v1/projects/44", nil, ""),
			Response: resp(500, "text/plain", []byte("internal error\n"))}, 4, 2*time.Second),
		timed(&session.Flow{State: session.Failed,
			Request: req("GET", "https://down.example.net/health", nil, ""),
			Err: &session.Error{Phase: session.PhaseDial, Msg: "connection refused by 127.0.0.1:1",
				Hint: "the origin is not listening: check the host and port"}}, 5, 3*time.Millisecond),
		timed(&session.Flow{State: session.Done, Source: session.Replay,
			Request:  req("GET", api+"/v1/feed?page=2&limit=50", nil, ""),
			Response: resp(304, "", nil)}, 6, 30*time.Millisecond),
		timed(&session.Flow{State: session.Done,
			Request:  req("GET", "https://cdn.example.com/app.js", nil, ""),
			Response: resp(200, "application/javascript", []byte("console.log('hi');\n"))}, 7, 65*time.Millisecond),
		timed(&session.Flow{State: session.Done,
			Request:  req("POST", api+"/v1/upload", http.Header{"Content-Type": {"application/octet-stream"}}, "\x00\x01\x02binary\xff\xfe"),
			Response: resp(200, "application/xml", []byte(`<?xml version="1.0"?><result><status>ok</status><count>3</count></result>`))}, 8, 250*time.Millisecond),
	}
	pending := &session.Flow{State: session.Pending,
		Request: req("GET", api+"/v1/slow", nil, "")}
	pending.Timings.RequestReceived = session.StampOf(base.Add(9 * time.Second))
	return append(flows, pending)
}

// fixedStore is a store in a temporary file holding fixedFlows.
func fixedStore(t testing.TB) *session.Store {
	t.Helper()
	s, err := session.Open(filepath.Join(t.TempDir(), "fixed.db"), session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, f := range fixedFlows() {
		s.Add(f)
	}
	return s
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var _ = fmt.Sprint
