package flowview

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/siphonproxy/siphon/ui/style"
)

// syntaxError says where a body stops being valid JSON or XML.
type syntaxError struct {
	format    string // "JSON", "XML"
	offset    int    // of the byte where reading failed, from 0
	line, col int    // of that byte, from 1; col counts characters
	msg       string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("not valid %s at line %d, column %d (byte offset %d): %s", e.format, e.line, e.col, e.offset, e.msg)
}

// syntaxErrorAt builds the syntaxError of data at byte offset off.
func syntaxErrorAt(format string, data []byte, off int, msg string) *syntaxError {
	off = min(max(off, 0), len(data))
	before := data[:off]
	start := bytes.LastIndexByte(before, '\n') + 1
	return &syntaxError{format: format, offset: off, msg: msg,
		line: bytes.Count(before, []byte("\n")) + 1, col: utf8.RuneCount(before[start:]) + 1}
}

// checkJSON reads data as a sequence of JSON values (one, or several as in
// NDJSON) and returns where it is not JSON. A body that was cut (cut) may
// end inside a value.
func checkJSON(data []byte, cut bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var v json.RawMessage
		err := dec.Decode(&v)
		var se *json.SyntaxError
		switch {
		case err == nil:
			continue
		case errors.Is(err, io.EOF):
			return nil
		case errors.Is(err, io.ErrUnexpectedEOF):
			if cut {
				return nil
			}
			return syntaxErrorAt("JSON", data, len(data), "the body ends inside a value")
		case errors.As(err, &se):
			// Offset counts the bytes read, the failing one included.
			return syntaxErrorAt("JSON", data, int(se.Offset)-1, se.Error())
		default:
			return syntaxErrorAt("JSON", data, int(dec.InputOffset()), err.Error())
		}
	}
}

// jsonLines pretty-prints JSON (several top-level values, as in NDJSON,
// included) with two-space indents and colours: only white space changes.
// It reads tokens with encoding/json and copies each token's source text,
// so numbers and string escapes stay as sent. A body that was cut (cut: at
// the capture limit, or here at the formatting cap) is shown as far as it
// goes; one that is not JSON gives a *syntaxError and no lines.
func jsonLines(ctx context.Context, data []byte, cut bool, st style.Styles, p *progress, note func(string, ...any)) ([]string, error) {
	capped := data
	if len(capped) > textCap {
		capped, cut = capped[:textCap], true
	}
	p.set("checking json", 0, 0)
	if err := checkJSON(capped, cut); err != nil {
		return nil, err
	}
	if len(capped) < len(data) {
		note("formatted the first %s of %s (v raw, or hex, for the bytes)", style.FormatSize(textCap), style.FormatSize(int64(len(data))))
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
			// checkJSON passed, so the body breaks off where it was cut.
			j.flush()
			if !cut {
				return nil, syntaxErrorAt("JSON", capped, int(prev), err.Error())
			}
			j.lines = append(j.lines, st.Muted.Render("…"))
			return j.lines, nil
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
		j.lines = append(j.lines, st.Muted.Render("…")) // the body was cut inside a value
	}
	return j.lines, nil
}

// jsonFrame is an open object or array.
type jsonFrame struct {
	object   bool
	count    int  // members or elements so far
	afterKey bool // an object member's key was written; its value comes next
}

// jsonPrinter lays out tokens as lines.
type jsonPrinter struct {
	st    style.Styles
	lines []string
	cur   strings.Builder
	stack []jsonFrame
}

func (j *jsonPrinter) flush() {
	if j.cur.Len() > 0 {
		j.lines = append(j.lines, style.CapText(j.cur.String(), lineCap))
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
			j.cur.WriteString(j.st.Key.Render(style.Printable(raw)) + j.st.Punct.Render(": "))
			top.afterKey = true
			return
		}
	}
	j.place()
	var sty = j.st.Literal
	switch tok.(type) {
	case string:
		sty = j.st.String
	case json.Number:
		sty = j.st.Number
	}
	j.cur.WriteString(sty.Render(style.Printable(style.CapText(raw, lineCap))))
}
