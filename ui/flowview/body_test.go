package flowview

import (
	"context"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/style"
)

// render draws a body with the given Content-Type in auto mode and returns
// its lines as plain text, the summary line left out.
func render(t *testing.T, ct, body string, truncated bool) []string {
	t.Helper()
	b := session.Body{Data: []byte(body), Size: int64(len(body)), Truncated: truncated}
	h := http.Header{}
	if ct != "" {
		h.Set("Content-Type", ct)
	}
	lines := renderBody(context.Background(), b, h, ModeAuto, style.NewStyles(style.DefaultTheme()), &progress{})
	out := make([]string, 0, len(lines))
	for _, l := range lines[1:] {
		out = append(out, ansi.Strip(l))
	}
	return out
}

func hasLine(lines []string, want string) bool {
	for _, l := range lines {
		if strings.Contains(l, want) {
			return true
		}
	}
	return false
}

// TestBrokenBodies checks that a body that does not parse as the JSON or
// XML it claims to be is shown as it is, whole, with the parse error and
// where it is; and that what is not claimed to be JSON is simply text.
func TestBrokenBodies(t *testing.T) {
	for _, c := range []struct {
		name, ct, body string
		truncated      bool
		want           []string // substrings of some line each
		not            []string // in no line
	}{
		{name: "json missing comma", ct: "application/json", body: `{"a":1 "b":2}`,
			want: []string{`not valid JSON at line 1, column 8 (byte offset 7): invalid character '"' after object key:value pair`, `{"a":1 "b":2}`},
			not:  []string{"…"}},
		{name: "json ends early", ct: "application/json", body: "{\"a\":1,",
			want: []string{"not valid JSON at line 1, column 8 (byte offset 7): the body ends inside a value", `{"a":1,`},
			not:  []string{"…", `"a": 1`}},
		{name: "json error on line 3", ct: "application/json", body: "{\n  \"a\": [1,\n  2,]\n}",
			want: []string{"not valid JSON at line 3, column 5 (byte offset 17): invalid character ']'", "  2,]"}},
		{name: "json error after a valid value", ct: "application/x-ndjson", body: "{\"a\":1}\n{\"é\":1 x}",
			want: []string{"not valid JSON at line 2, column 8 (byte offset 16)", `{"é":1 x}`}},
		{name: "json cut at the capture limit", ct: "application/json", body: `{"a":[1,2`, truncated: true,
			want: []string{`"a": [`, "    2", "…"}, not: []string{"not valid"}},
		{name: "text that looks like json", ct: "text/plain", body: "[INFO] started",
			want: []string{"[INFO] started"}, not: []string{"not valid"}},
		{name: "xml unclosed", ct: "application/xml", body: "<a>\n  <b>text</b>\n  <c>",
			want: []string{"not valid XML at line 3, column 6 (byte offset 23): unexpected EOF", "  <c>"}},
		{name: "xml misnested", ct: "text/xml", body: "<a><b>text</a></b>",
			want: []string{"not valid XML at line 1, column 15 (byte offset 14): element <b> closed by </a>", "<a><b>text</a></b>"}},
		{name: "xml unknown entity", ct: "application/xml", body: "<a>&nbsp;</a>",
			want: []string{"not valid XML at line 1, column 10", "invalid character entity &nbsp;", "<a>&nbsp;</a>"}},
		{name: "xml cut at the capture limit", ct: "application/xml", body: "<a><b>1</b><b>2", truncated: true,
			want: []string{"<b>1</b>", "…"}, not: []string{"not valid"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			lines := render(t, c.ct, c.body, c.truncated)
			for _, w := range c.want {
				if !hasLine(lines, w) {
					t.Errorf("no line has %q in\n%s", w, strings.Join(lines, "\n"))
				}
			}
			for _, n := range c.not {
				if hasLine(lines, n) {
					t.Errorf("a line has %q in\n%s", n, strings.Join(lines, "\n"))
				}
			}
		})
	}
}

// TestMarkupKeepsSource checks that pretty-printed XML keeps every token
// as written: self-closing tags, quotes, entities, comments, CDATA,
// processing instructions and namespace prefixes.
func TestMarkupKeepsSource(t *testing.T) {
	body := `<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE a><a xmlns:x="urn:x"><c/><d k='v' q="&quot;&amp;"/>` +
		`<!-- a comment --><e><![CDATA[<raw> & ]]></e><x:f x:g="1">t &lt; u &#233;</x:f><h></h></a>`
	lines := render(t, "application/xml", body, false)
	for _, w := range []string{
		`<?xml version="1.0" encoding="UTF-8"?>`, `<!DOCTYPE a>`, `<a xmlns:x="urn:x">`,
		"  <c/>", `  <d k='v' q="&quot;&amp;"/>`, "  <!-- a comment -->", "  <e><![CDATA[<raw> & ]]></e>",
		`  <x:f x:g="1">t &lt; u &#233;</x:f>`, "  <h></h>", "</a>",
	} {
		if !hasLine(lines, w) {
			t.Errorf("no line has %q in\n%s", w, strings.Join(lines, "\n"))
		}
	}
	if hasLine(lines, "</c>") || hasLine(lines, "</d>") {
		t.Errorf("a self-closing tag was expanded:\n%s", strings.Join(lines, "\n"))
	}
	lines = render(t, "text/xml", `<a><c/></a>`, false)
	if want := []string{"<a>", "  <c/>", "</a>"}; strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("<a><c/></a> is drawn as\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// TestPrettyPrintRoundTrip checks that formatting valid JSON and XML
// changes only white space.
func TestPrettyPrintRoundTrip(t *testing.T) {
	for _, c := range []struct{ ct, body string }{
		{"application/json", `{"id":42,"name":"si\"phon \u00e9","tags":["a",[],{}],"n":-1.5e+10,"ok":true,"x":null}`},
		{"application/json", "[\n  1,\n  {\"a\" : [ true , false ]}\n]"},
		{"application/x-ndjson", "{\"a\":1}\n{\"b\":[2,3]}\n\"s\"\n"},
		{"application/json", `"just a string"`},
		{"application/xml", `<?xml version="1.0"?><r a="1" b='2'><c/><d>text</d><e>one<f/>two</e><!--c--><g><![CDATA[ x < y ]]></g></r>`},
		{"application/xml", "<r>\n  <multi\n     line=\"attr\">a\n  b</multi>\n  <n:s xmlns:n=\"u\">&amp;&#x41;</n:s>\n</r>"},
		{"application/soap+xml", `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><m:Get xmlns:m="urn:m"><m:Id>7</m:Id></m:Get></s:Body></s:Envelope>`},
		{"text/html", `<!DOCTYPE html><html><head><meta charset="utf-8"><title>T</title></head><body><p class=x>a<br>b<br/>c</p><img src="i.png" alt=""></body></html>`},
	} {
		lines := render(t, c.ct, c.body, false)
		out := strings.Join(lines, "\n")
		if hasLine(lines, "not valid") || hasLine(lines, "cannot") {
			t.Errorf("%s %q: not formatted:\n%s", c.ct, c.body, out)
			continue
		}
		if got, want := stripSpace(out), stripSpace(c.body); got != want {
			t.Errorf("%s: formatting changed more than white space:\n got %s\nwant %s\n%s", c.ct, got, want, out)
		}
		if len(lines) < 2 && len(c.body) > 20 {
			t.Errorf("%s %q: not re-indented:\n%s", c.ct, c.body, out)
		}
	}
}

// TestCharsets checks that text in a declared character set other than
// UTF-8 is shown decoded, as text rather than hex.
func TestCharsets(t *testing.T) {
	for _, c := range []struct {
		name, ct, body, want string
	}{
		{"iso-8859-1", "text/plain; charset=iso-8859-1", "caf\xe9 cr\xe8me", "café crème"},
		{"latin1 label", "text/plain; charset=latin1", "\xc0 la carte", "À la carte"},
		{"windows-1252", "text/plain; charset=windows-1252", "price: 5\x80", "price: 5€"},
		{"shift_jis", "text/plain; charset=Shift_JIS", "\x93\xfa\x96\x7b\x8c\xea", "日本語"},
		{"euc-jp", "text/html; charset=euc-jp", "<p>\xc6\xfc\xcb\xdc</p>", "<p>日本</p>"},
		{"utf-16 with a byte order mark", "text/plain; charset=utf-16", "\xfe\xff\x00h\x00i\x00!", "hi!"},
		{"utf-16le", "text/plain; charset=utf-16le", "h\x00\xe9\x00", "hé"},
		{"json in latin1", "application/json; charset=iso-8859-1", `{"k":"caf` + "\xe9" + `"}`, `"k": "café"`},
		{"xml declaration", "application/xml", `<?xml version="1.0" encoding="ISO-8859-1"?><a>gar` + "\xe7" + `on</a>`, "<a>garçon</a>"},
		{"xml declaration, no type", "", `<?xml version="1.0" encoding="shift_jis"?><a>` + "\x93\xfa" + `</a>`, "<a>日</a>"},
		{"utf-8 stays", "text/plain; charset=UTF-8", "caf\xc3\xa9", "café"},
		{"form escapes", "application/x-www-form-urlencoded; charset=iso-8859-1", "name=caf%E9&x=1", "café"},
		{"form bytes", "application/x-www-form-urlencoded; charset=iso-8859-1", "x=1&name=gar\xe7on", "garçon"},
		{"multipart part", "multipart/form-data; boundary=B",
			"--B\r\nContent-Disposition: form-data; name=\"city\"\r\nContent-Type: text/plain; charset=shift_jis\r\n\r\n\x93\xfa\x96\x7b\r\n--B--\r\n", "日本"},
	} {
		t.Run(c.name, func(t *testing.T) {
			lines := render(t, c.ct, c.body, false)
			if !hasLine(lines, c.want) {
				t.Errorf("no line has %q in\n%s", c.want, strings.Join(lines, "\n"))
			}
			if hasLine(lines, "hex dump") || hasLine(lines, "not valid") || hasLine(lines, "\\x") {
				t.Errorf("not decoded as text:\n%s", strings.Join(lines, "\n"))
			}
		})
	}
	lines := render(t, "text/plain; charset=x-no-such", "caf\xc3\xa9", false)
	if !hasLine(lines, `unknown charset "x-no-such": showing the bytes as UTF-8`) || !hasLine(lines, "café") {
		t.Errorf("an unknown charset is drawn as\n%s", strings.Join(lines, "\n"))
	}
}

// plainText reports whether s is valid UTF-8 that printable leaves as it
// is, so that a round trip can compare it with what is drawn.
func plainText(s string) bool {
	return utf8.ValidString(s) && style.Printable(strings.ReplaceAll(s, "\t", " ")) == strings.ReplaceAll(s, "\t", " ")
}

// noteLine is a note the body views add before or inside a body.
var noteLine = regexp.MustCompile(`^(not valid (JSON|XML) at line \d+, column \d+ \(byte offset \d+\): .*: showing the text as it is|cannot lay out the HTML from line \d+, column \d+ \(.*\): the rest as it is)$`)

// FuzzBodyViews renders any bytes as JSON, XML, HTML and text in any
// charset: it never panics, and JSON, XML and HTML lose nothing but white
// space, formatted or not.
func FuzzBodyViews(f *testing.F) {
	f.Add(`{"a":[1,2,{"b":null}],"c":"d"}`, "application/json", false)
	f.Add(`{"a":1 "b":2}`, "application/json", false)
	f.Add(`<a x='1'><c/><!--c--><![CDATA[x]]>t&amp;</a>`, "application/xml", false)
	f.Add(`<a><b>`, "text/xml", true)
	f.Add(`<html><p>a<br>b</p></html>`, "text/html", false)
	f.Add("<p>a < b</p>", "text/html", false)
	f.Add("caf\xe9", "text/plain; charset=iso-8859-1", false)
	f.Add("\x93\xfa", "text/plain; charset=shift_jis", false)
	f.Add("name=caf%E9", "application/x-www-form-urlencoded; charset=latin1", false)
	f.Fuzz(func(t *testing.T, body, ct string, truncated bool) {
		lines := render(t, ct, body, truncated)
		mt, params, _ := mime.ParseMediaType(ct)
		if truncated || !plainText(body) || params["charset"] != "" || xmlDeclEncoding([]byte(body)) != "" ||
			(mt != "application/json" && mt != "application/xml" && mt != "text/html") {
			return
		}
		var shown []string
		for _, l := range lines {
			if !noteLine.MatchString(l) {
				shown = append(shown, l)
			}
		}
		if got, want := stripSpace(strings.Join(shown, "")), stripSpace(body); got != want {
			t.Errorf("%s %q: drawn as\n%s", ct, body, strings.Join(lines, "\n"))
		}
	})
}

// TestHTMLLeniency checks that HTML the XML tokenizer cannot read is laid
// out as far as it goes, then shown as written, losing nothing.
func TestHTMLLeniency(t *testing.T) {
	body := "<html><body><p>ok</p>\n<script>if (a < b && c) {}</script></body></html>"
	lines := render(t, "text/html", body, false)
	const noteText = "cannot lay out the HTML from line 2, column 16 (expected element name after <): the rest as it is"
	var shown []string
	for _, l := range lines {
		if l != noteText {
			shown = append(shown, l)
		}
	}
	if len(shown) != len(lines)-1 {
		t.Errorf("no note %q in\n%s", noteText, strings.Join(lines, "\n"))
	}
	if !hasLine(lines, "  <p>ok</p>") || !hasLine(lines, "< b && c) {}</script></body></html>") {
		t.Errorf("not laid out, then as written:\n%s", strings.Join(lines, "\n"))
	}
	if got, want := stripSpace(strings.Join(shown, "")), stripSpace(body); got != want {
		t.Errorf("shown %s, want %s", got, want)
	}
}

// TestRenderBodyModes checks v's three modes on one body and that a
// truncated body says so with its full size.
func TestRenderBodyModes(t *testing.T) {
	st := style.NewStyles(style.DefaultTheme())
	h := http.Header{"Content-Type": {"application/json"}}
	b := session.Body{Data: []byte(`{"a":[1,2`), Size: 5 << 20, Truncated: true}
	text := func(lines []string) string { return ansi.Strip(strings.Join(lines, "\n")) }
	auto := text(renderBody(context.Background(), b, h, ModeAuto, st, &progress{}))
	for _, want := range []string{"captured 9B of 5.0MiB", `"a": [`, "1,", "…"} {
		if !strings.Contains(auto, want) {
			t.Errorf("auto view lacks %q:\n%s", want, auto)
		}
	}
	if raw := text(renderBody(context.Background(), b, h, ModeRaw, st, &progress{})); !strings.Contains(raw, `{"a":[1,2`) {
		t.Errorf("raw view:\n%s", raw)
	}
	if hx := text(renderBody(context.Background(), b, h, ModeHex, st, &progress{})); !strings.Contains(hx, "7b 22 61 22") {
		t.Errorf("hex view:\n%s", hx)
	}
	form := text(renderBody(context.Background(), session.Body{Data: []byte("--XX\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG....\r\n--XX--\r\n"), Size: 10},
		http.Header{"Content-Type": {"multipart/form-data; boundary=XX"}}, ModeAuto, st, &progress{}))
	for _, want := range []string{"title  hello", "file   <file a.png, image/png, 8B>"} {
		if !strings.Contains(form, want) {
			t.Errorf("multipart view lacks %q:\n%s", want, form)
		}
	}
}
