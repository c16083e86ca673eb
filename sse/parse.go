// Package sse parses server-sent events (text/event-stream, as the WHATWG
// HTML standard defines the format) incrementally, from a body that is
// still growing, and reassembles the streamed answers of known LLM APIs
// (OpenAI chat completions and responses, Anthropic messages) into text,
// model and token usage.
package sse

import (
	"bytes"
	"strconv"
)

// Event is one dispatched event.
type Event struct {
	// Type is the "event" field; "" when none was given, which the
	// standard dispatches as "message".
	Type string
	// ID is the last event ID when the event was dispatched: set by an
	// "id" field of this event or an earlier one.
	ID   string
	Data string // the "data" lines joined with "\n"
	// Retry is the reconnection time in milliseconds from a "retry" field
	// in this event's block; -1 when there was none.
	Retry int64
	// Start and End are the byte offsets in the stream of the event's
	// first line and of the end of the blank line that dispatched it (its
	// CR when the line ends with CRLF: the LF may not have arrived yet).
	Start, End int64
}

// Parser reads an event stream fed to it in pieces. The zero value is
// ready to use. A Parser is not safe for concurrent use.
type Parser struct {
	line     []byte // the incomplete line at the end of what was fed
	off      int64  // bytes fed so far
	lineOff  int64  // offset of the first byte of line
	started  bool   // past a leading byte order mark
	afterCR  bool   // the last byte fed ended a line with CR
	bom      []byte // a byte order mark not yet complete
	evStart  int64  // offset of the event's first line, -1 before it
	typ      string
	data     []byte
	hasData  bool
	lastID   string
	retry    int64
	comments int64
}

var bom = []byte("\xef\xbb\xbf")

// Fed returns how many bytes were fed: the offset where the next Feed
// continues the stream (so a caller re-reading a growing body feeds
// body[p.Fed():]).
func (p *Parser) Fed() int64 { return p.off }

// Comments returns how many comment lines (":" first, often keep-alives)
// were seen.
func (p *Parser) Comments() int64 { return p.comments }

// Pending reports whether part of an event was fed and not dispatched
// yet. At the end of a stream such an event is discarded, as the standard
// says.
func (p *Parser) Pending() bool { return p.started && (len(p.line) > 0 || p.evStart >= 0) }

// Feed parses the next bytes of the stream and returns the events they
// complete. It keeps no reference to b.
func (p *Parser) Feed(b []byte) []Event {
	if len(b) == 0 {
		return nil
	}
	if !p.started {
		p.evStart = -1
		p.retry = -1
		// The stream may begin with one byte order mark, possibly split
		// across Feeds.
		for len(b) > 0 && len(p.bom) < len(bom) && b[0] == bom[len(p.bom)] {
			p.bom = append(p.bom, b[0])
			b = b[1:]
			p.off++
		}
		if len(b) == 0 && len(p.bom) < len(bom) && len(p.bom) > 0 {
			return nil
		}
		if len(p.bom) > 0 && len(p.bom) < len(bom) {
			// Not a byte order mark after all: its bytes are content.
			b = append(append([]byte(nil), p.bom...), b...)
			p.off -= int64(len(p.bom))
		}
		p.started = true
		p.lineOff = p.off
	}
	var out []Event
	for len(b) > 0 {
		if p.afterCR {
			p.afterCR = false
			if b[0] == '\n' {
				b = b[1:]
				p.off++
				p.lineOff = p.off
				continue
			}
		}
		i := bytes.IndexAny(b, "\r\n")
		if i < 0 {
			p.line = append(p.line, b...)
			p.off += int64(len(b))
			break
		}
		var line []byte
		if len(p.line) > 0 {
			p.line = append(p.line, b[:i]...)
			line = p.line
		} else {
			line = b[:i]
		}
		p.afterCR = b[i] == '\r'
		p.off += int64(i + 1)
		if ev, ok := p.processLine(line); ok {
			out = append(out, ev)
		}
		p.line = p.line[:0]
		p.lineOff = p.off
		b = b[i+1:]
	}
	return out
}

// processLine handles one complete line; ok says an event was dispatched.
func (p *Parser) processLine(line []byte) (Event, bool) {
	if len(line) == 0 {
		return p.dispatch()
	}
	if p.evStart < 0 {
		p.evStart = p.lineOff
	}
	if line[0] == ':' {
		p.comments++
		return Event{}, false
	}
	field, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		field, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(field) {
	case "event":
		p.typ = string(value)
	case "data":
		if p.hasData {
			p.data = append(p.data, '\n')
		}
		p.data = append(p.data, value...)
		p.hasData = true
	case "id":
		if bytes.IndexByte(value, 0) < 0 {
			p.lastID = string(value)
		}
	case "retry":
		if n, err := strconv.ParseInt(string(value), 10, 64); err == nil && n >= 0 && isDigits(value) {
			p.retry = n
		}
	}
	return Event{}, false
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// dispatch ends the event at a blank line; a block without data lines
// dispatches nothing.
func (p *Parser) dispatch() (Event, bool) {
	ev := Event{Type: p.typ, ID: p.lastID, Data: string(p.data), Retry: p.retry, Start: p.evStart, End: p.off}
	ok := p.hasData
	p.typ, p.data, p.hasData, p.retry, p.evStart = "", p.data[:0], false, -1, -1
	return ev, ok
}

// Parse returns the events of a whole stream (an incomplete last event
// is left out).
func Parse(stream []byte) []Event {
	var p Parser
	return p.Feed(stream)
}
