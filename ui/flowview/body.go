package flowview

import (
	"context"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/style"
)

// ViewMode is how the flow view shows bodies; v cycles through them.
type ViewMode uint8

// View modes.
const (
	ModeAuto ViewMode = iota // by type: pretty JSON, XML, tables, image facts, hex for binary
	ModeRaw                  // decoded text as it is
	ModeHex                  // hex dump of the decoded bytes
	numModes
)

func (m ViewMode) String() string { return [...]string{"auto", "raw", "hex"}[m%numModes] }

// Caps on what a body view builds, whatever the body's size: formatting
// and wrapping stay in the tens of milliseconds, and the rest of a big
// body is a keypress away in another mode (or an export).
const (
	textCap = 1 << 20  // decoded bytes formatted as text
	hexCap  = 64 << 10 // bytes shown as a hex dump
	lineCap = 64 << 10 // bytes of one logical line
)

// progress is how far a body rendering has come, read by the event loop
// while a command does the work.
type progress struct {
	stage atomic.Pointer[string]
	done  atomic.Int64
	total atomic.Int64
}

func (p *progress) set(stage string, done, total int64) {
	p.stage.Store(&stage)
	p.done.Store(done)
	p.total.Store(total)
}

// String describes the progress: "formatting json 42%".
func (p *progress) String() string {
	s := p.stage.Load()
	if s == nil {
		return "loading"
	}
	if t := p.total.Load(); t > 0 {
		return fmt.Sprintf("%s %d%%", *s, p.done.Load()*100/t)
	}
	return *s
}

// renderBody turns a body into styled lines in the given mode: a summary
// line, notes (truncation, decoding errors, caps), then the content. It
// never fails: what cannot be shown as text is shown as hex, with a note
// saying why. It stops early when ctx is cancelled.
func renderBody(ctx context.Context, b session.Body, h http.Header, mode ViewMode, st style.Styles, p *progress) []string {
	ct := h.Get("Content-Type")
	enc := session.ContentEncoding(h)
	if b.Size == 0 && len(b.Data) == 0 {
		return []string{st.Muted.Render("(no body)")}
	}
	lines := []string{st.Muted.Render(bodySummary(b, ct, enc, mode))}
	note := func(format string, args ...any) {
		lines = append(lines, st.Warning.Render(style.Printable(fmt.Sprintf(format, args...))))
	}
	if b.Truncated {
		note("captured %s of %s: the body was cut at the capture limit (--body-limit)",
			style.FormatSize(int64(len(b.Data))), style.FormatSize(b.Size))
	}
	p.set("decoding "+style.FormatSize(int64(len(b.Data))), 0, 0)
	data, err := b.Decode(enc)
	if err != nil {
		note("%v: showing the bytes as received", err)
		return append(lines, hexLines(b.Data, st, note)...)
	}
	if ctx.Err() != nil {
		return lines
	}
	if mode == ModeHex {
		return append(lines, hexLines(data, st, note)...)
	}
	mt, params, _ := mime.ParseMediaType(ct)
	// Text in another character set is shown as text, in UTF-8; an XML
	// body may name its encoding in its declaration instead.
	label := params["charset"]
	if label == "" && (mt == "" || strings.Contains(mt, "xml")) {
		label = xmlDeclEncoding(data)
	}
	wire := data // a form's escapes stand for bytes in the charset
	if label != "" && !binaryType(mt) {
		p.set("decoding "+label, 0, 0)
		text, err := decodeCharset(data, label)
		if err != nil {
			note("%v: showing the bytes as UTF-8", err)
		}
		data = text
	}
	if mode == ModeRaw {
		return append(lines, textLines(data, note)...)
	}
	kind, declared := sniff(mt, data)
	switch kind {
	case "image":
		return append(lines, imageLines(data, mt, st, note)...)
	case "json", "xml", "html":
		var formatted []string
		var err error
		if kind == "json" {
			formatted, err = jsonLines(ctx, data, b.Truncated, st, p, note)
		} else {
			formatted, err = markupLines(ctx, data, kind == "html", b.Truncated, st, p, note)
		}
		if err == nil {
			return append(lines, formatted...)
		}
		// Broken markup is shown as it is, with where it breaks; text
		// that only looked like JSON or XML is shown as text.
		if declared {
			note("%v: showing the text as it is", err)
		}
		return append(lines, textLines(data, note)...)
	case "form":
		return append(lines, formLines(wire, params["charset"], st, note)...)
	case "multipart":
		return append(lines, multipartLines(data, params["boundary"], st, note)...)
	case "text":
		return append(lines, textLines(data, note)...)
	}
	note("binary data: hex dump (v cycles auto, raw, hex)")
	return append(lines, hexLines(data, st, note)...)
}

func bodySummary(b session.Body, ct, enc string, mode ViewMode) string {
	s := "body " + style.FormatSize(b.Size)
	if ct != "" {
		s += " · " + ct
	}
	if enc != "" {
		s += " · " + enc
	}
	return style.Printable(s + " · view: " + mode.String())
}

// sniff decides how to show a body in auto mode: by its media type, else
// by its first bytes. declared says whether the media type named the
// kind, or only the bytes suggested it.
func sniff(mt string, data []byte) (kind string, declared bool) {
	sub := mt[strings.IndexByte(mt, '/')+1:]
	switch {
	case strings.HasPrefix(mt, "image/"):
		return "image", true
	case strings.Contains(sub, "json"):
		return "json", true
	case sub == "html" || sub == "xhtml+xml":
		return "html", true
	case strings.Contains(sub, "xml"):
		return "xml", true
	case mt == "application/x-www-form-urlencoded":
		return "form", true
	case strings.HasPrefix(mt, "multipart/"):
		return "multipart", true
	}
	head := data[:min(len(data), 512)]
	if t := strings.TrimLeft(string(head), " \t\r\n"); t != "" && (t[0] == '{' || t[0] == '[') {
		return "json", false
	}
	detected := http.DetectContentType(head)
	switch {
	case strings.HasPrefix(detected, "image/"):
		return "image", false
	case strings.HasPrefix(detected, "text/html"):
		return "html", false
	case strings.HasPrefix(detected, "text/xml"):
		// An XML declaration is a claim to be XML.
		return "xml", true
	}
	if isText(data[:min(len(data), textCap)]) {
		return "text", false
	}
	return "binary", false
}

// binaryType reports whether a media type is not text whatever its
// charset parameter says: a multipart body's parts have their own.
func binaryType(mt string) bool {
	for _, p := range []string{"image/", "audio/", "video/", "font/", "multipart/", "application/octet-stream"} {
		if strings.HasPrefix(mt, p) {
			return true
		}
	}
	return false
}

// isText reports whether data reads as UTF-8 text: valid (but for a rune
// cut at the end) and with few control characters.
func isText(data []byte) bool {
	for len(data) > 0 && !utf8.Valid(data) {
		// A cap may cut the last rune; allow up to 3 bytes of it.
		r, size := utf8.DecodeLastRune(data)
		if r != utf8.RuneError || size != 1 || !utf8.Valid(data[:max(len(data)-3, 0)]) {
			return false
		}
		data = data[:len(data)-1]
	}
	ctl := 0
	for _, c := range data {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			ctl++
		}
	}
	return ctl*100 <= len(data)
}

// textLines splits text into printable lines, within the caps.
func textLines(data []byte, note func(string, ...any)) []string {
	if len(data) > textCap {
		note("showing the first %s of %s", style.FormatSize(textCap), style.FormatSize(int64(len(data))))
		data = data[:textCap]
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	var out []string
	for line := range strings.SplitSeq(text, "\n") {
		out = append(out, style.Printable(style.CapText(line, lineCap)))
	}
	return out
}

// hexLines is a hex dump (encoding/hex's layout) of the first bytes.
func hexLines(data []byte, st style.Styles, note func(string, ...any)) []string {
	if len(data) > hexCap {
		note("hex dump of the first %s of %s", style.FormatSize(hexCap), style.FormatSize(int64(len(data))))
		data = data[:hexCap]
	}
	dump := strings.TrimSuffix(hex.Dump(data), "\n")
	var out []string
	for line := range strings.SplitSeq(dump, "\n") {
		// Offset, hex and the printable column (which hex.Dump already
		// restricts to ASCII).
		if len(line) > 60 {
			out = append(out, st.Muted.Render(line[:10])+line[10:60]+st.String.Render(line[60:]))
		} else {
			out = append(out, line)
		}
	}
	return out
}
