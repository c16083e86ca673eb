package flowview

import (
	"bytes"
	"fmt"
	"image"
	_ "image/gif" // image formats whose dimensions the body view reports
	_ "image/jpeg"
	_ "image/png"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"github.com/siphonproxy/siphon/ui/style"
)

// table lays out name/value pairs in two columns.
func table(rows [][2]string, st style.Styles) []string {
	w := 0
	for _, r := range rows {
		w = max(w, ansi.StringWidth(r[0]))
	}
	w = min(w, 32)
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, st.Key.Render(style.Cell(r[0], w))+"  "+r[1])
	}
	return out
}

// formLines shows an application/x-www-form-urlencoded body as a table, in
// the order sent. Escaped bytes are text in charset (UTF-8 when empty).
func formLines(data []byte, charset string, st style.Styles, note func(string, ...any)) []string {
	if len(data) > textCap {
		note("showing the fields in the first %s of %s", style.FormatSize(textCap), style.FormatSize(int64(len(data))))
		data = data[:textCap]
	}
	var rows [][2]string
	for pair := range strings.SplitSeq(string(data), "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if u, err := url.QueryUnescape(k); err == nil {
			k = u
		}
		if u, err := url.QueryUnescape(v); err == nil {
			v = u
		}
		if charset != "" {
			// The label was checked when the body was decoded.
			if d, err := decodeCharset([]byte(k), charset); err == nil {
				k = string(d)
			}
			if d, err := decodeCharset([]byte(v), charset); err == nil {
				v = string(d)
			}
		}
		rows = append(rows, [2]string{style.Printable(style.CapText(k, 256)), style.Printable(style.CapText(v, lineCap))})
	}
	if len(rows) == 0 {
		return []string{st.Muted.Render("(no fields)")}
	}
	return table(rows, st)
}

// multipartLines lists the parts of a multipart body: each field's value
// when it is short text, else its file name, type and size.
func multipartLines(data []byte, boundary string, st style.Styles, note func(string, ...any)) []string {
	if boundary == "" {
		note("multipart body without a boundary parameter")
		return textLines(data, note)
	}
	r := multipart.NewReader(bytes.NewReader(data), boundary)
	var rows [][2]string
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			note("multipart: %v", err)
			break
		}
		head := make([]byte, 512)
		n, _ := io.ReadFull(part, head)
		rest, _ := io.Copy(io.Discard, part)
		size := int64(n) + rest
		name := part.FormName()
		if name == "" {
			name = "(part)"
		}
		var value string
		ptype := part.Header.Get("Content-Type")
		text := head[:n]
		if _, params, err := mime.ParseMediaType(ptype); err == nil && params["charset"] != "" {
			if d, err := decodeCharset(text, params["charset"]); err == nil {
				text = d
			}
		}
		if part.FileName() == "" && size <= 256 && utf8.Valid(text) && (ptype == "" || strings.HasPrefix(ptype, "text/")) {
			value = st.String.Render(style.Printable(string(text)))
		} else {
			desc := []string{}
			if part.FileName() != "" {
				desc = append(desc, "file "+part.FileName())
			}
			if ptype != "" {
				desc = append(desc, ptype)
			}
			desc = append(desc, style.FormatSize(size))
			value = st.Muted.Render(style.Printable("<" + strings.Join(desc, ", ") + ">"))
		}
		rows = append(rows, [2]string{style.Printable(name), value})
	}
	if len(rows) == 0 {
		return []string{st.Muted.Render("(no parts)")}
	}
	return table(rows, st)
}

// imageLines describes an image: format, dimensions, size.
func imageLines(data []byte, mt string, st style.Styles, note func(string, ...any)) []string {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		note("%s image that does not decode (%v): hex dump", orUnknown(mt), err)
		return hexLines(data, st, note)
	}
	return []string{fmt.Sprintf("%s image, %d × %d px, %s", strings.ToUpper(format), cfg.Width, cfg.Height, style.FormatSize(int64(len(data))))}
}

func orUnknown(s string) string {
	if s == "" {
		return "an"
	}
	return s
}
