package main

import (
	"fmt"
	"strings"

	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui"
)

// liveWS is what the printer knows of an open WebSocket flow while
// --ws-messages prints its messages as they come (see printer.AddMessage).
type liveWS struct {
	tag   string // the flow's identity on each message line: client and URL
	start session.Stamp
	// match: the filter selects the flow as far as can be told while it
	// is open (a filter on message payloads waits for the close).
	match bool
	// up and down count the messages printed live; held counts those
	// that were not (the flow did not match yet), which the close lists
	// under the flow's line instead.
	up, down, held int
}

// wsTag is a WebSocket flow's identity on its message lines: the client's
// address and the URL, as its flow line shows them.
func wsTag(f *session.Flow) string {
	target := "-"
	if f.Request != nil {
		target = printable(f.Request.URL)
	}
	return orDash(f.Client.Addr) + " " + target
}

// trackWS notes what is known of a WebSocket flow on each Add and Update
// until it completes. Called with p.mu held.
func (p *printer) trackWS(f *session.Flow) {
	if !p.messages || f.Kind != session.WebSocket {
		return
	}
	w := p.ws[f.ID]
	if w == nil {
		w = &liveWS{}
		p.ws[f.ID] = w
	}
	w.tag, w.start = wsTag(f), f.Start()
	w.match = p.filter == nil || p.filter.Match(f)
}

// AddMessage stores a WebSocket message and, with --ws-messages, prints
// it at once, tagged with its flow, when the filter selects the flow.
// The line is made here (a preview is cheap) and written on the printing
// goroutine.
func (p *printer) AddMessage(flowID string, m session.Message) error {
	err := p.store.AddMessage(flowID, m)
	if !p.messages || err != nil {
		return err
	}
	p.mu.Lock()
	w := p.ws[flowID]
	switch {
	case w == nil || p.closed:
	case !w.match:
		w.held++
	default:
		if m.Dir == session.Up {
			w.up++
		} else {
			w.down++
		}
		p.lines = append(p.lines, printed{line: w.tag + " " + messageFields(&m, w.start)})
	}
	p.mu.Unlock()
	p.signal()
	return nil
}

// endWS forgets a completed WebSocket flow and says how its close prints
// the messages: as a count when every one was printed live, else (some
// were held, or none came) listed under its line as --read does. Called
// with p.mu held.
func (p *printer) endWS(f *session.Flow, item *printed) {
	w := p.ws[f.ID]
	delete(p.ws, f.ID)
	if w == nil || w.held > 0 || w.up+w.down == 0 {
		return
	}
	item.listing = false
	item.summary = fmt.Sprintf("  %s printed as they came: %d →, %d ←", ui.Count(w.up+w.down, "message"), w.up, w.down)
}

// writeSummary writes the close-time lines of a WebSocket whose messages
// were printed live: their count, and what the message cap left out.
func (p *printer) writeSummary(l printed) {
	var b strings.Builder
	b.WriteString(l.summary + "\n")
	if st := p.store.MessageStats(l.flow.ID); st.Capped() {
		fmt.Fprintf(&b, "  … %d more messages past the message cap, counted but not stored\n", st.Seen-st.Stored)
	}
	p.out.WriteString(b.String())
}
