package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// jsonLines pretty-prints JSON (several top-level values, as in NDJSON,
// included) with two-space indents and colours. It reads tokens with
// encoding/json and copies each token's source text, so numbers and string
// escapes stay as sent. A body that breaks off (cut at a cap or at the
// capture limit) is shown as far as it goes; one that turns out not to be
// JSON shows the rest as text after a note.
func jsonLines(ctx context.Context, data []byte, st Styles, p *progress, note func(string, ...any)) []string {
	capped := data
	if len(capped) > textCap {
		note("formatted the first %s of %s (v raw, or hex, for the bytes)", FormatSize(textCap), FormatSize(int64(len(data))))
		capped = capped[:textCap]
	}
	j := jsonPrinter{st: st}
	dec := json.NewDecoder(bytes.NewReader(capped))
	dec.UseNumber()
	prev := int64(0)
	for n := 0; ; n++ {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			j.flush()
			if len(capped) < len(data) || prev >= int64(len(capped))-1 || isUnexpectedEnd(err) {
				j.lines = append(j.lines, st.Muted.Render("…"))
				break
			}
			if prev == 0 && len(j.lines) == 0 {
				return textLines(data, note)
			}
			j.lines = append(j.lines, st.Warning.Render(printable("not valid JSON from byte "+itoa(prev)+": "+err.Error())))
			return append(j.lines, textLines(capped[prev:], note)...)
		}
		off := dec.InputOffset()
		raw := strings.TrimLeft(string(capped[prev:off]), " \t\r\n,:")
		prev = off
		j.token(tok, raw)
		if n%4096 == 0 {
			if ctx.Err() != nil {
				break
			}
			p.set("formatting json", off, int64(len(capped)))
		}
	}
	j.flush()
	if len(j.stack) > 0 {
		j.lines = append(j.lines, st.Muted.Render("…")) // the body ends inside a value
	}
	return j.lines
}

func isUnexpectedEnd(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "unexpected EOF")
}

// jsonFrame is an open object or array.
type jsonFrame struct {
	object   bool
	count    int  // members or elements so far
	afterKey bool // an object member's key was written; its value comes next
}

// jsonPrinter lays out tokens as lines.
type jsonPrinter struct {
	st    Styles
	lines []string
	cur   strings.Builder
	stack []jsonFrame
}

func (j *jsonPrinter) flush() {
	if j.cur.Len() > 0 {
		j.lines = append(j.lines, capText(j.cur.String(), lineCap))
		j.cur.Reset()
	}
}

// newline starts a line indented to the current depth.
func (j *jsonPrinter) newline() {
	j.flush()
	j.cur.WriteString(strings.Repeat("  ", len(j.stack)))
}

// place positions the next element: after a key it continues the line,
// otherwise it starts a new one, with a comma after the previous element.
func (j *jsonPrinter) place() {
	if len(j.stack) == 0 {
		j.flush()
		return
	}
	top := &j.stack[len(j.stack)-1]
	if top.afterKey {
		top.afterKey = false
		return
	}
	if top.count > 0 {
		j.cur.WriteString(j.st.Punct.Render(","))
	}
	top.count++
	j.newline()
}

func (j *jsonPrinter) token(tok json.Token, raw string) {
	if d, ok := tok.(json.Delim); ok {
		switch d {
		case '{', '[':
			j.place()
			j.cur.WriteString(j.st.Punct.Render(d.String()))
			j.stack = append(j.stack, jsonFrame{object: d == '{'})
		default:
			top := j.stack[len(j.stack)-1]
			j.stack = j.stack[:len(j.stack)-1]
			if top.count > 0 {
				j.newline()
			}
			j.cur.WriteString(j.st.Punct.Render(d.String()))
		}
		return
	}
	if len(j.stack) > 0 {
		if top := &j.stack[len(j.stack)-1]; top.object && !top.afterKey {
			j.place()
			j.cur.WriteString(j.st.Key.Render(printable(raw)) + j.st.Punct.Render(": "))
			top.afterKey = true
			return
		}
	}
	j.place()
	var style = j.st.Literal
	switch tok.(type) {
	case string:
		style = j.st.String
	case json.Number:
		style = j.st.Number
	}
	j.cur.WriteString(style.Render(printable(capText(raw, lineCap))))
}
