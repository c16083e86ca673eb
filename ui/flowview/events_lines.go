package flowview

import (
	"fmt"
	"strconv"

	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/sse"
	"github.com/siphonproxy/siphon/ui/style"
)

// eventsLines draws the Events tab: for a known LLM API stream the answer
// put back together (model, text, token usage), then every event.
func (v *Model) eventsLines(f *session.Flow) []string {
	t, st := &v.events, v.st
	if t.parser == nil {
		return []string{v.spin.View() + " reading the events…"}
	}
	var lines []string
	if a := t.answer; a.Shape != sse.Unknown {
		lines = append(answerLines(a, st), "")
	}
	head := style.Count(t.count, "event")
	if c := t.parser.Comments(); c > 0 {
		head += " · " + style.Count(int(c), "comment")
	}
	switch {
	case f.State == session.Pending || f.State == session.Intercepted:
		head += " · streaming"
	case t.pending:
		head += " · the last event was never ended by a blank line (dropped)"
	}
	lines = append(lines, st.Title.Render(head))
	if t.note != "" {
		lines = append(lines, st.Warning.Render(style.Printable(t.note)))
	}
	if t.count > len(t.events) {
		lines = append(lines, st.Warning.Render(fmt.Sprintf("showing the first %d of %d events", len(t.events), t.count)))
	}
	if t.count == 0 {
		lines = append(lines, st.Muted.Render("no events yet"))
	}
	for i, e := range t.events {
		lines = append(lines, st.Muted.Render("#"+strconv.Itoa(i+1)+" ")+e[0])
		lines = append(lines, e[1:]...)
	}
	return lines
}

// answerLines are a reassembled answer: its shape and model, how it ended,
// token usage, then its text.
func answerLines(a sse.Answer, st style.Styles) []string {
	kv := func(k, v string) string { return st.Key.Render(k) + st.Punct.Render(": ") + v }
	lines := []string{st.Title.Render("answer (" + string(a.Shape) + ")")}
	if a.Model != "" {
		lines = append(lines, kv("model", style.Printable(a.Model)))
	}
	switch {
	case a.Stop != "" && !a.Done:
		lines = append(lines, kv("end", style.Printable(a.Stop)+st.Muted.Render(" (the stream's end has not arrived)")))
	case a.Stop != "":
		lines = append(lines, kv("end", style.Printable(a.Stop)))
	case a.Done:
		lines = append(lines, kv("end", "done"))
	default:
		lines = append(lines, kv("end", st.Pending.Render("not yet (streaming, or cut short)")))
	}
	if a.Error != "" {
		lines = append(lines, st.Error.Render(style.Printable("error: "+a.Error)))
	}
	if u := a.Usage; u != nil {
		usage := fmt.Sprintf("%s in · %s out · %s total", formatInt(u.InputTokens), formatInt(u.OutputTokens), formatInt(u.TotalTokens))
		if u.CachedTokens > 0 {
			usage += fmt.Sprintf(" · %s cached", formatInt(u.CachedTokens))
		}
		lines = append(lines, kv("tokens", usage))
	} else {
		lines = append(lines, kv("tokens", st.Muted.Render("not reported")))
	}
	lines = append(lines, st.Key.Render("text")+st.Punct.Render(":"))
	return append(lines, indent(textLines([]byte(a.Text), func(string, ...any) {}))...)
}

// formatInt writes n with thousands separators: 12,345.
func formatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}
