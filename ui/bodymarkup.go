package ui

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// markupLines re-indents XML, or HTML read leniently (unclosed elements
// closed, HTML entities known), one element per line with an element's
// lone text kept on its line. What the tokenizer cannot read is shown as
// text after a note.
func markupLines(ctx context.Context, data []byte, html bool, st Styles, p *progress, note func(string, ...any)) []string {
	capped := data
	if len(capped) > textCap {
		note("formatted the first %s of %s (v raw, or hex, for the bytes)", FormatSize(textCap), FormatSize(int64(len(data))))
		capped = capped[:textCap]
	}
	dec := xml.NewDecoder(bytes.NewReader(capped))
	dec.Strict = !html
	if html {
		dec.AutoClose = xml.HTMLAutoClose
		dec.Entity = xml.HTMLEntity
	}
	m := markupPrinter{st: st}
	prev := int64(0)
	for n := 0; ; n++ {
		// RawToken keeps namespace prefixes as written; HTML needs Token,
		// which closes void elements such as <br>.
		next := dec.RawToken
		if html {
			next = dec.Token
		}
		tok, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			m.flushPending()
			if len(m.lines) == 0 {
				return textLines(data, note)
			}
			m.lines = append(m.lines, st.Warning.Render(printable("cannot read the markup from byte "+itoa(prev)+": "+err.Error())))
			return append(m.lines, textLines(capped[prev:], note)...)
		}
		prev = dec.InputOffset()
		m.token(xml.CopyToken(tok))
		if n%4096 == 0 {
			if ctx.Err() != nil {
				break
			}
			p.set("formatting markup", prev, int64(len(capped)))
		}
	}
	m.flushPending()
	return m.lines
}

// markupPrinter lays out XML tokens, holding back a start element and its
// text until it knows whether the element closes right after them.
type markupPrinter struct {
	st      Styles
	lines   []string
	depth   int
	pending *xml.StartElement
	text    string
}

func (m *markupPrinter) emit(depth int, s string) {
	m.lines = append(m.lines, strings.Repeat("  ", max(depth, 0))+capText(s, lineCap))
}

func (m *markupPrinter) flushPending() {
	if m.pending != nil {
		m.emit(m.depth, m.start(*m.pending))
		m.depth++
		m.pending = nil
	}
	if m.text != "" {
		m.emit(m.depth, m.st.String.Render(printable(m.text)))
		m.text = ""
	}
}

func (m *markupPrinter) token(tok xml.Token) {
	switch t := tok.(type) {
	case xml.StartElement:
		m.flushPending()
		m.pending = &t
	case xml.EndElement:
		if m.pending != nil && m.pending.Name == t.Name {
			m.emit(m.depth, m.start(*m.pending)+m.st.String.Render(printable(m.text))+m.end(t))
			m.pending, m.text = nil, ""
			return
		}
		m.flushPending()
		m.depth--
		m.emit(m.depth, m.end(t))
	case xml.CharData:
		s := strings.TrimSpace(string(t))
		if s == "" {
			return
		}
		if m.pending != nil && m.text == "" {
			m.text = s
			return
		}
		m.flushPending()
		for line := range strings.SplitSeq(s, "\n") {
			m.emit(m.depth, m.st.String.Render(printable(strings.TrimSpace(line))))
		}
	case xml.Comment:
		m.flushPending()
		m.emit(m.depth, m.st.Muted.Render(printable("<!--"+string(t)+"-->")))
	case xml.ProcInst:
		m.flushPending()
		m.emit(m.depth, m.st.Muted.Render(printable("<?"+t.Target+" "+string(t.Inst)+"?>")))
	case xml.Directive:
		m.flushPending()
		m.emit(m.depth, m.st.Muted.Render(printable("<!"+string(t)+">")))
	}
}

func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

func (m *markupPrinter) start(t xml.StartElement) string {
	var b strings.Builder
	b.WriteString(m.st.Punct.Render("<") + m.st.Key.Render(printable(qname(t.Name))))
	for _, a := range t.Attr {
		b.WriteString(" " + m.st.Literal.Render(printable(qname(a.Name))) + m.st.Punct.Render("=") +
			m.st.String.Render(printable(`"`+a.Value+`"`)))
	}
	b.WriteString(m.st.Punct.Render(">"))
	return b.String()
}

func (m *markupPrinter) end(t xml.EndElement) string {
	return m.st.Punct.Render("</") + m.st.Key.Render(printable(qname(t.Name))) + m.st.Punct.Render(">")
}
