package breakpoint

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/session"
)

func gunzip(t *testing.T, data []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	must(t, err)
	out, err := io.ReadAll(zr)
	must(t, err)
	return string(out)
}

// An edited request comes back with the edits, a gzip body decoded for the
// editor and encoded again, and the final newline an editor adds dropped.
func TestEditedRequestRoundTrip(t *testing.T) {
	q := req("POST", "https://api.example.com/v1/users?x=1", http.Header{
		"Content-Type": {"application/json"}, "Content-Encoding": {"gzip"}, "X-Two": {"a", "b"},
	}, "")
	q.Body = session.Body{Data: testutil.Gzip(`{"name":"ada"}`), Size: 1}
	shown := requestText(q)
	if shown.form != formText || !strings.Contains(string(shown.text), `{"name":"ada"}`) {
		t.Fatalf("shown as %q:\n%s", shown.form, shown.text)
	}
	edited := strings.Replace(string(shown.text), "ada", "grace", 1)
	edited = strings.Replace(edited, "/v1/users?x=1", "/v2/users", 1)
	edited = strings.Replace(edited, "X-Two: b\n", "X-Two: b\nX-New: yes\n", 1) + "\n" // the editor's newline
	got, err := parseRequest([]byte(edited), shown, q)
	must(t, err)
	if got.Method != "POST" || got.URL != "https://api.example.com/v2/users" || got.Proto != "HTTP/1.1" {
		t.Errorf("request line: %s %s %s", got.Method, got.URL, got.Proto)
	}
	if v := got.Header.Values("X-Two"); len(v) != 2 || v[1] != "b" || got.Header.Get("X-New") != "yes" {
		t.Errorf("headers: %v", got.Header)
	}
	if body := gunzip(t, got.Body.Data); body != `{"name":"grace"}` {
		t.Errorf("body decodes to %q", body)
	}
	if got.Body.Size != int64(len(got.Body.Data)) {
		t.Errorf("size %d for %d bytes", got.Body.Size, len(got.Body.Data))
	}
}

// A path-only target is resolved against the request as it was; a binary
// body round-trips through hex; a body cut at the capture limit stays
// unchanged unless the Siphon-Body line goes.
func TestEditedBodyForms(t *testing.T) {
	bin := []byte{0, 1, 2, 0xff, 'a', '\n'}
	q := req("PUT", "http://h.test:8080/a?b=c", http.Header{"Content-Type": {"application/octet-stream"}}, string(bin))
	shown := requestText(q)
	if shown.form != formHex || !strings.Contains(string(shown.text), "Siphon-Body: hex\n\n00 01 02 ff 61 0a\n") {
		t.Fatalf("binary body shown as %q:\n%s", shown.form, shown.text)
	}
	text := strings.Replace(string(shown.text), "PUT http://h.test:8080/a?b=c", "PATCH /z", 1)
	text = strings.Replace(text, "00 01 02 ff 61 0a", "00 01 02 ff 62 0a 0d", 1)
	got, err := parseRequest([]byte(text), shown, q)
	must(t, err)
	if got.Method != "PATCH" || got.URL != "http://h.test:8080/z" || !bytes.Equal(got.Body.Data, []byte{0, 1, 2, 0xff, 'b', '\n', '\r'}) {
		t.Errorf("got %s %s %x", got.Method, got.URL, got.Body.Data)
	}
	if got.Header.Get(bodyFormHeader) != "" {
		t.Errorf("the pseudo-header is kept: %v", got.Header)
	}

	cut := req("POST", "http://h.test/up", nil, "")
	cut.Body = session.Body{Data: []byte("part"), Size: 100, Truncated: true}
	shown = requestText(cut)
	if shown.form != formKept || strings.Contains(string(shown.text), "part") {
		t.Fatalf("truncated body shown as %q:\n%s", shown.form, shown.text)
	}
	got, err = parseRequest(shown.text, shown, cut)
	must(t, err)
	if !got.Body.Unloaded {
		t.Errorf("an unchanged body must pass on as it is: %+v", got.Body)
	}
	replaced := strings.Replace(string(shown.text), bodyFormHeader+": unchanged\n", "", 1) + "new body"
	got, err = parseRequest([]byte(replaced), shown, cut)
	must(t, err)
	if string(got.Body.Data) != "new body" || got.Body.Unloaded {
		t.Errorf("body %+v, want the new one", got.Body)
	}
}

func TestEditedResponse(t *testing.T) {
	p := resp(404, "text/plain", []byte("not here\n"))
	shown := responseText(p)
	if !strings.HasPrefix(string(shown.text), "HTTP/1.1 404 Not Found\n") {
		t.Fatalf("status line:\n%s", shown.text)
	}
	text := strings.Replace(string(shown.text), "404 Not Found", "200 Fine", 1)
	text = strings.Replace(text, "not here\n", "here\n", 1)
	got, err := parseResponse([]byte(text), shown)
	must(t, err)
	if got.Status != 200 || got.Reason != "Fine" || string(got.Body.Data) != "here\n" {
		t.Errorf("got %d %q %q", got.Status, got.Reason, got.Body.Data)
	}
	// CRLF line ends, as some editors write them.
	crlf := strings.ReplaceAll("HTTP/1.1 201 Created\nX-A: 1\n\n", "\n", "\r\n") + "body"
	got, err = parseResponse([]byte(crlf), shown)
	must(t, err)
	if got.Status != 201 || got.Header.Get("X-A") != "1" || string(got.Body.Data) != "body" {
		t.Errorf("CRLF: got %d %v %q", got.Status, got.Header, got.Body.Data)
	}
}

// Mistakes name the line of the message they are on.
func TestEditedMessageMistakes(t *testing.T) {
	base := req("GET", "http://h.test/", nil, "")
	shown := requestText(base)
	for _, c := range []struct{ text, want string }{
		{"", "line 1: the first line is empty"},
		{"GET\n\n", "line 1: \"GET\" is not a request line"},
		{"G(T http://h.test/ HTTP/1.1\n\n", `line 1: "G(T" is not an HTTP method`},
		{"GET ftp://h.test/ HTTP/1.1\n\n", "line 1: \"ftp://h.test/\" is not a URL siphon can send"},
		{"GET http://h.test/ HTTP/9\n\n", `line 1: "HTTP/9" is not an HTTP version`},
		{"GET http://h.test/ HTTP/1.1\nA: 1\nno colon here\n\n", `line 3: "no colon here" is not a header line`},
		{"GET http://h.test/ HTTP/1.1\n folded: x\n\n", "line 2: a header line may not start with a space"},
		{"GET http://h.test/ HTTP/1.1\nContent-Encoding: compress\n\nx", `siphon cannot encode Content-Encoding "compress"`},
		{"GET http://h.test/ HTTP/1.1\nSiphon-Body: hex\n\nzz", "the body is not hex digits"},
		{"GET http://h.test/ HTTP/1.1\nSiphon-Body: base64\n\n", `unknown Siphon-Body: "base64"`},
	} {
		_, err := parseRequest([]byte(c.text), shown, base)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.text, err, c.want)
		}
	}
	if _, err := parseResponse([]byte("HTTP/1.1 20 OK\n\n"), shown); err == nil || !strings.Contains(err.Error(), "not a status line") {
		t.Errorf("bad status: %v", err)
	}
}

func TestStripNotes(t *testing.T) {
	text, n := stripNotes([]byte("# a\n#b\n\n  # c\nGET / HTTP/1.1\n# kept\n"))
	if n != 4 || string(text) != "GET / HTTP/1.1\n# kept\n" {
		t.Errorf("got %d lines cut, %q", n, text)
	}
}

// FuzzParseRequest: no edited text makes the parser panic, and what it
// accepts is formatted and parsed again to the same request.
func FuzzParseRequest(f *testing.F) {
	f.Add([]byte("POST http://h.test/a HTTP/1.1\nContent-Type: text/plain\n\nhello\n"))
	f.Add([]byte("GET /x\r\nA: b\r\n\r\n"))
	f.Add([]byte("PUT http://h.test/ HTTP/1.1\nSiphon-Body: hex\n\n00 ff\n"))
	f.Add([]byte("POST http://h.test/ HTTP/1.1\nContent-Encoding: gzip, br\n\n{}"))
	f.Add([]byte("GET http://h.test/ HTTP/1.1\nSiphon-Body: unchanged\n\n"))
	base := req("GET", "http://h.test/base", nil, "")
	shown := requestText(base)
	f.Fuzz(func(t *testing.T, text []byte) {
		q, err := parseRequest(text, shown, base)
		if err != nil {
			return
		}
		again := requestText(q)
		q2, err := parseRequest(again.text, again, q)
		if err != nil {
			t.Fatalf("re-parse of\n%s\nfailed: %v", again.text, err)
		}
		if q2.Method != q.Method || q2.URL != q.URL || !bytes.Equal(q2.Body.Data, q.Body.Data) || q2.Body.Unloaded != q.Body.Unloaded {
			t.Fatalf("round trip: %s %s %q → %s %s %q", q.Method, q.URL, q.Body.Data, q2.Method, q2.URL, q2.Body.Data)
		}
	})
}
