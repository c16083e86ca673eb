package flowview

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/siphonproxy/siphon/ui/style"
)

// markupLines re-indents XML, or HTML read leniently, one element per line
// with an element's lone short text kept on its line. Each token is copied
// from the source, so only white space changes: <c/> stays self-closing,
// and attributes, quotes, entities, comments and CDATA stay as written.
// XML must be well-formed (a *syntaxError and no lines otherwise) but for
// a body that was cut (cut: at the capture limit, or here at the
// formatting cap), which is shown as far as it goes. HTML never fails:
// from where the tokenizer cannot read it, it is shown as text after a
// note.
func markupLines(ctx context.Context, data []byte, html, cut bool, st style.Styles, p *progress, note func(string, ...any)) ([]string, error) {
	capped := data
	if len(capped) > textCap {
		capped, cut = capped[:textCap], true
	}
	dec := xml.NewDecoder(bytes.NewReader(capped))
	dec.Strict = !html
	// renderBody has already turned the text into UTF-8, whatever the
	// declaration says.
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	// Token checks that elements nest; HTML needs RawToken, which does not
	// (void elements such as <br> never close).
	next := dec.Token
	if html {
		next = dec.RawToken
	}
	m := markupPrinter{st: st, html: html}
	prev := int64(0)
	for n := 0; ; n++ {
		tok, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			m.flushPending()
			var se *xml.SyntaxError
			msg := err.Error()
			if errors.As(err, &se) {
				msg = se.Msg
			}
			off := int(dec.InputOffset())
			switch {
			case cut && msg == "unexpected EOF":
				return append(m.lines, st.Muted.Render("…")), nil
			case html:
				// Browsers read any HTML; what the XML tokenizer cannot
				// read is shown as written.
				at := syntaxErrorAt("HTML", capped, off, msg)
				m.lines = append(m.lines, st.Warning.Render(style.Printable(fmt.Sprintf(
					"cannot lay out the HTML from line %d, column %d (%s): the rest as it is", at.line, at.col, msg))))
				return append(m.lines, textLines(capped[prev:], note)...), nil
			}
			return nil, syntaxErrorAt("XML", capped, off, msg)
		}
		off := dec.InputOffset()
		m.token(tok, string(capped[prev:off]))
		prev = off
		if n%4096 == 0 {
			if ctx.Err() != nil {
				break
			}
			p.set("formatting markup", prev, int64(len(capped)))
		}
	}
	m.flushPending()
	if len(capped) < len(data) {
		note("formatted the first %s of %s (v raw, or hex, for the bytes)", style.FormatSize(textCap), style.FormatSize(int64(len(data))))
	}
	return m.lines, nil
}

// markupPrinter lays out XML tokens from their source text, holding back a
// start tag and its text until it knows whether the element closes right
// after them, to keep the three on one line.
type markupPrinter struct {
	st      style.Styles
	html    bool
	lines   []string
	depth   int
	pending string // a start tag's source, or ""
	name    xml.Name
	text    string // the pending element's one-line text
}

// emit adds one line at depth.
func (m *markupPrinter) emit(depth int, s string) {
	m.lines = append(m.lines, strings.Repeat("  ", max(depth, 0))+style.CapText(s, lineCap))
}

// block adds source text that may span lines: its first line at depth,
// the others as written (their indentation is the author's).
func (m *markupPrinter) block(depth int, raw string, sty func(string) string) {
	for i, line := range strings.Split(strings.ReplaceAll(raw, "\r\n", "\n"), "\n") {
		if i == 0 {
			m.emit(depth, sty(line))
		} else if line = strings.TrimRight(line, " \t\r"); line != "" {
			m.lines = append(m.lines, style.CapText(sty(line), lineCap))
		}
	}
}

func (m *markupPrinter) flushPending() {
	if m.pending != "" {
		m.block(m.depth, m.pending, m.tag)
		m.depth++
		m.pending = ""
	}
	if m.text != "" {
		m.emit(m.depth, m.st.String.Render(style.Printable(m.text)))
		m.text = ""
	}
}

func (m *markupPrinter) token(tok xml.Token, raw string) {
	switch t := tok.(type) {
	case xml.StartElement:
		m.flushPending()
		if m.html && isVoid(t.Name.Local) {
			m.block(m.depth, raw, m.tag) // <br> holds nothing and never closes
			return
		}
		m.pending, m.name = raw, t.Name
	case xml.EndElement:
		switch {
		case raw == "" && m.pending != "":
			// <c/>: the decoder adds an end of its own, with no source.
			m.block(m.depth, m.pending, m.tag)
			m.pending = ""
		case raw == "", m.html && isVoid(t.Name.Local):
			// The end of a self-closed void element, or a stray </br>.
			if raw != "" {
				m.flushPending()
				m.block(m.depth, raw, m.tag)
			}
		case m.pending != "" && m.name == t.Name && !strings.Contains(m.pending, "\n") && !strings.Contains(raw, "\n"):
			m.emit(m.depth, m.tag(m.pending)+m.st.String.Render(style.Printable(m.text))+m.tag(raw))
			m.pending, m.text = "", ""
		default:
			m.flushPending()
			m.depth--
			m.block(m.depth, raw, m.tag)
		}
	case xml.CharData:
		m.chars(raw)
	case xml.Comment, xml.ProcInst, xml.Directive:
		m.flushPending()
		m.block(m.depth, raw, func(s string) string { return m.st.Muted.Render(style.Printable(s)) })
	}
}

// chars lays out text as written (entities and CDATA sections included),
// without the white space around it.
func (m *markupPrinter) chars(raw string) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return
	}
	if m.pending != "" && m.text == "" && !strings.Contains(s, "\n") {
		m.text = s
		return
	}
	m.flushPending()
	str := func(s string) string { return m.st.String.Render(style.Printable(s)) }
	if strings.HasPrefix(s, "<![CDATA[") {
		m.block(m.depth, s, str) // white space inside CDATA is content
		return
	}
	for line := range strings.SplitSeq(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			m.emit(m.depth, str(line))
		}
	}
}

// tag colours the source of a start or end tag: the name, attribute
// names, values and punctuation. Only single lines come here.
func (m *markupPrinter) tag(raw string) string {
	st := m.st
	var b strings.Builder
	open := "<"
	if strings.HasPrefix(raw, "</") {
		open = "</"
	}
	if !strings.HasPrefix(raw, "<") {
		return style.Printable(raw)
	}
	b.WriteString(st.Punct.Render(open))
	i := len(open)
	j := i
	for j < len(raw) && !isMarkupSpace(raw[j]) && raw[j] != '>' && raw[j] != '/' {
		j++
	}
	b.WriteString(st.Key.Render(style.Printable(raw[i:j])))
	for i = j; i < len(raw); i = j {
		c := raw[i]
		j = i + 1
		switch {
		case isMarkupSpace(c):
			for j < len(raw) && isMarkupSpace(raw[j]) {
				j++
			}
			b.WriteString(style.Printable(raw[i:j]))
		case c == '"' || c == '\'':
			if k := strings.IndexByte(raw[j:], c); k >= 0 {
				j += k + 1
			} else {
				j = len(raw)
			}
			b.WriteString(st.String.Render(style.Printable(raw[i:j])))
		case c == '=' || c == '/' || c == '>':
			b.WriteString(st.Punct.Render(raw[i:j]))
		default:
			for j < len(raw) && !isMarkupSpace(raw[j]) && !strings.ContainsRune("=/>\"'", rune(raw[j])) {
				j++
			}
			b.WriteString(st.Literal.Render(style.Printable(raw[i:j])))
		}
	}
	return b.String()
}

func isMarkupSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// isVoid reports whether an HTML element never has content or an end tag.
func isVoid(name string) bool {
	switch strings.ToLower(name) {
	case "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr":
		return true
	}
	return false
}
