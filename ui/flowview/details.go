package flowview

import (
	"fmt"
	"strings"
	"time"

	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/style"
)

// detailsTab lists a flow's connection facts, every timing as a number and
// a bar on a common scale, and its error with the hint. allListeners says
// the proxy has several listeners (see listenerShown).
func detailsTab(f *session.Flow, st style.Styles, width int, loc *time.Location, allListeners bool) []string {
	row := func(name, value string) string { return st.Key.Render(style.Cell(name, 14)) + value }
	lines := []string{
		row("flow", fmt.Sprintf("#%d · %s · %s · %s", f.Seq, f.State, f.Source, f.Kind)),
	}
	if t := f.Start(); !t.IsZero() {
		lines = append(lines, row("started", t.Time().In(loc).Format("2006-01-02 15:04:05.000 MST")))
	}
	lines = append(lines, row("client", peer(f.Client)))
	if listenerShown(f.Listener, allListeners) {
		lines = append(lines, row("listener", style.Printable(f.Listener)))
	}
	lines = append(lines, row("server", peer(f.Server)))
	if p := protocols(f); p != "" {
		lines = append(lines, row("protocol", p))
	}
	if f.Marked {
		lines = append(lines, row("marked", st.Marked.Render("yes")))
	}
	if f.Comment != "" {
		lines = append(lines, row("comment", style.Printable(f.Comment)))
	}
	if s := f.Stream; s != nil {
		v := fmt.Sprintf("%s up, %s down", style.FormatSize(s.BytesUp), style.FormatSize(s.BytesDown))
		if f.Kind == session.WebSocket {
			v += fmt.Sprintf(", %s up, %d down", style.Count(int(s.FramesUp), "frame"), s.FramesDown)
		}
		lines = append(lines, row("traffic", v))
	}
	if f.Err != nil {
		lines = append(lines, "")
		lines = append(lines, errorLines(f.Err, st)...)
	}
	lines = append(lines, "", st.Title.Render("timings"))
	return append(lines, timingLines(&f.Timings, f.Start(), st, width)...)
}

// listenerShown reports whether the Details tab names the listener a flow
// came in on: every one when the proxy has several (all), else only one
// that is not a regular proxy, which tells a flow sent to a reverse or
// SOCKS5 listener apart; flows recorded without a listener show none.
func listenerShown(name string, all bool) bool {
	return name != "" && (all || !strings.HasPrefix(name, "regular"))
}

func peer(p session.Peer) string {
	if p.Addr == "" {
		return "-"
	}
	parts := []string{style.Printable(p.Addr)}
	if p.TLSVersion != "" {
		parts = append(parts, style.Printable(p.TLSVersion))
	}
	if p.SNI != "" {
		parts = append(parts, "SNI "+style.Printable(p.SNI))
	}
	if p.ALPN != "" {
		parts = append(parts, "ALPN "+style.Printable(p.ALPN))
	}
	return strings.Join(parts, " · ")
}

// protocols names the protocol each side spoke, the client's request and
// the origin's response (siphon's own answer for a mock), when either is
// not HTTP/1.1: "" in the common case, which the Request and Response
// tabs' first lines show anyway. ALPN is on the client and server rows.
func protocols(f *session.Flow) string {
	var client, origin string
	if f.Request != nil {
		client = f.Request.Proto
	}
	if f.Response != nil {
		origin = f.Response.Proto
	}
	if strings.TrimPrefix(client, "HTTP/1.1") == "" && strings.TrimPrefix(origin, "HTTP/1.1") == "" {
		return ""
	}
	side := func(name, proto string) string {
		if proto == "" {
			return name + " -"
		}
		return name + " " + style.Printable(proto)
	}
	answer := "origin"
	if f.Source == session.Mock {
		answer = "siphon's answer"
	}
	return side("client", client) + " · " + side(answer, origin)
}

// timingLines draws each phase of a flow as its duration and a bar placed
// on a scale from the connection's start to the flow's completion. The
// phases are HAR's (session.Timings.HARPhases), as the HAR export writes
// them, after the client's own TLS handshake: so send starts once the
// upstream connection is ready, not when the request arrived.
func timingLines(t *session.Timings, start session.Stamp, st style.Styles, width int) []string {
	origin := start
	if !t.ClientConnect.IsZero() && t.ClientConnect.Before(origin) {
		origin = t.ClientConnect
	}
	end := t.Complete
	har := t.HARPhases()
	phases := []struct {
		name string
		session.Phase
	}{
		{"client TLS", session.Phase{Start: t.ClientTLSStart, End: t.ClientTLSDone}},
		{"blocked", har.Blocked},
		{"DNS", har.DNS},
		{"connect", har.Connect},
		{"upstream TLS", har.SSL},
		{"send", har.Send},
		{"wait (TTFB)", har.Wait},
		{"receive", har.Receive},
		{"total", session.Phase{Start: start, End: t.Complete}},
	}
	scale := session.Span(origin, end)
	barWidth := max(width-14-10-2, 10)
	var out []string
	for _, p := range phases {
		d := session.Span(p.Start, p.End)
		if !p.Happened() {
			out = append(out, st.Key.Render(style.Cell(p.name, 14))+st.Muted.Render(style.RCell("-", 9)))
			continue
		}
		bar := ""
		if scale > 0 {
			// Both ends are placed on the scale, so phases that follow
			// each other never share a column through rounding.
			col := func(m session.Stamp) int {
				f := float64(barWidth) * float64(session.Span(origin, m)) / float64(scale)
				return int(min(f, float64(barWidth)))
			}
			from := min(col(p.Start), barWidth-1)
			n := min(max(col(p.End)-from, 1), barWidth-from)
			bar = st.Muted.Render(strings.Repeat("·", from)) + st.Accent.Render(strings.Repeat("█", n))
		}
		out = append(out, st.Key.Render(style.Cell(p.name, 14))+style.RCell(style.FormatDuration(d), 9)+"  "+bar)
	}
	if end.IsZero() {
		out = append(out, st.Pending.Render("(the flow has not completed)"))
	}
	return out
}
