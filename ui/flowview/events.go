package flowview

import (
	"context"
	"mime"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/sse"
	"github.com/siphonproxy/siphon/ui/style"
)

// eventCap is how many events the Events tab draws; the rest are counted
// (and still reassembled into the answer).
const eventCap = 2000

// eventsTab is the Events tab's state: the open flow's event stream,
// parsed as its body grows. A command feeds the parser only the bytes it
// has not seen, so a stream re-read on every change is parsed once.
type eventsTab struct {
	id      string
	gen     int // tells a parse of a flow opened before apart
	parser  *sse.Parser
	re      *sse.Reassembler
	events  [][]string // each drawn event's lines
	count   int        // events parsed, drawn or not
	answer  sse.Answer
	pending bool // part of an event is still to come
	note    string
	parsing bool // a command holds parser and re
	again   bool // the body grew during it: parse once more after it
}

// eventsParsedMsg carries the events a command parsed.
type eventsParsedMsg struct {
	id     string
	gen    int
	reset  bool // the stream was parsed from its start: replace the events
	parser *sse.Parser
	re     *sse.Reassembler
	events [][]string
	count  int
	answer sse.Answer
	note   string
}

// isEventStream says which flows have the Events tab.
func isEventStream(f *session.Flow) bool {
	if f.Response == nil {
		return false
	}
	mt, _, _ := mime.ParseMediaType(f.Response.Header.Get("Content-Type"))
	return mt == "text/event-stream"
}

func (t *eventsTab) reset(id string) { *t = eventsTab{id: id, gen: t.gen + 1} }

// parseEvents parses what the open flow's body gained since the last
// parse, off the event loop; one command at a time owns the parser.
func (v *Model) parseEvents() tea.Cmd {
	t, f := &v.events, v.flow
	if f == nil || !isEventStream(f) || t.id != v.id {
		return nil
	}
	if t.parsing {
		t.again = true
		return nil
	}
	t.parsing, t.again = true, false
	id, gen, body, st := v.id, t.gen, f.Response.Body, v.st
	enc := session.ContentEncoding(f.Response.Header)
	parser, re, drawn := t.parser, t.re, len(t.events)
	return func() tea.Msg {
		data, err := body.Decode(enc)
		msg := eventsParsedMsg{id: id, gen: gen}
		if err != nil {
			data, msg.note = body.Data, err.Error()+": parsing the bytes as received"
		}
		// A compressed stream is decoded whole each time; a stream that is
		// not the one parsed (shorter) starts again.
		if parser == nil || enc != "" || int64(len(data)) < parser.Fed() {
			parser, re, drawn, msg.reset = &sse.Parser{}, &sse.Reassembler{}, 0, true
		}
		for _, e := range parser.Feed(data[parser.Fed():]) {
			re.Add(e)
			msg.count++
			if drawn < eventCap {
				msg.events = append(msg.events, eventLines(e, st))
				drawn++
			}
		}
		if body.Truncated {
			msg.note = "the stream was cut at the capture limit (--body-limit): later events are not shown"
		}
		msg.parser, msg.re, msg.answer = parser, re, re.Answer()
		return msg
	}
}

// eventsParsed takes in parsed events.
func (v *Model) eventsParsed(msg eventsParsedMsg) tea.Cmd {
	t := &v.events
	if msg.id != v.id || msg.gen != t.gen {
		return nil
	}
	t.parsing = false
	if msg.reset {
		t.events, t.count = nil, 0
	}
	t.parser, t.re, t.answer, t.note = msg.parser, msg.re, msg.answer, msg.note
	t.events = append(t.events, msg.events...)
	t.count += msg.count
	t.pending = t.parser.Pending()
	if v.tab == TabEvents {
		v.layout(true)
	}
	if t.again {
		return v.parseEvents()
	}
	return nil
}

// eventLines draws one event: its fields, then its data, JSON
// pretty-printed.
func eventLines(e sse.Event, st style.Styles) []string {
	typ := e.Type
	if typ == "" {
		typ = "message"
	}
	head := st.Key.Render("event") + st.Punct.Render(": ") + style.Printable(typ)
	if e.ID != "" {
		head += "  " + st.Key.Render("id") + st.Punct.Render(": ") + style.Printable(style.CapText(e.ID, 256))
	}
	if e.Retry >= 0 {
		head += "  " + st.Key.Render("retry") + st.Punct.Render(": ") + st.Number.Render(formatInt(e.Retry)) + st.Muted.Render(" ms")
	}
	lines := []string{head}
	data := []byte(e.Data)
	if t := strings.TrimLeft(e.Data, " \t\r\n"); t != "" && (t[0] == '{' || t[0] == '[') {
		formatted, err := jsonLines(context.Background(), data, false, st, &progress{}, func(string, ...any) {})
		if err == nil {
			return append(lines, indent(formatted)...)
		}
	}
	if e.Data == "" {
		return append(lines, st.Muted.Render("  (no data)"))
	}
	return append(lines, indent(textLines(data, func(string, ...any) {}))...)
}

func indent(lines []string) []string {
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return lines
}
