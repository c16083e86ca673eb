package ui

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/siphonproxy/siphon/session"
)

// columns are the widths of the flow list's columns for one terminal
// width; host and path share what the fixed columns leave.
type columns struct {
	seq, time, method, host, path, status, ctype, size, dur int
	// cut: the terminal is narrower than the narrowest layout, so rows
	// are cut at its width rather than wrapped by the terminal.
	cut bool
}

// layoutColumns fits the columns into width. Below 90 cells the time goes.
func layoutColumns(width, seqWidth int) columns {
	c := columns{seq: max(seqWidth, 3), time: 8, method: 7, status: 5, ctype: 5, size: 8, dur: 7}
	if width < 90 {
		c.time = 0
	}
	fixed := 3 + c.seq + c.method + c.status + c.ctype + c.size + c.dur + 8 // marker, gaps
	if c.time > 0 {
		fixed += c.time + 1
	}
	rest := max(width-fixed, 10)
	c.host = min(max(rest*2/5, 8), 32)
	c.path = max(rest-c.host, 1)
	c.cut = width-fixed < c.host+c.path
	return c
}

// cell pads or cuts s to exactly w cells, with an ellipsis when cut.
func cell(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if len(s) > 4*w+16 {
		s = s[:4*w+16] // a 20 KB URL is cut before it is measured
	}
	if ansi.StringWidth(s) > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-ansi.StringWidth(s))
}

// rcell is cell aligned to the right.
func rcell(s string, w int) string {
	if ansi.StringWidth(s) >= w {
		return cell(s, w)
	}
	return strings.Repeat(" ", w-ansi.StringWidth(s)) + s
}

// header renders the column titles, with an arrow on the sort column.
func (c columns) header(st Styles, key session.SortKey, reverse bool) string {
	arrow := "▲"
	if reverse {
		arrow = "▼"
	}
	title := func(name string, k session.SortKey) string {
		if k == key {
			return name + arrow
		}
		return name
	}
	seqTitle := "#"
	if c.time == 0 {
		seqTitle = title("#", session.SortTime)
	}
	parts := []string{"  " + rcell(seqTitle, c.seq)}
	if c.time > 0 {
		parts = append(parts, cell(title("time", session.SortTime), c.time))
	}
	parts = append(parts,
		cell(title("method", session.SortMethod), c.method),
		cell("host", c.host),
		cell(title("path", session.SortURL), c.path),
		cell(title("code", session.SortStatus), c.status),
		cell("type", c.ctype),
		rcell(title("size", session.SortSize), c.size),
		rcell(title("dur", session.SortDuration), c.dur))
	return st.Header.Render(strings.Join(parts, " "))
}

// rowCells are the texts of one flow's row, before styling.
type rowCells struct {
	marker, seq, time, method, host, path, status, ctype, size, dur string
}

func flowCells(f *session.Flow, loc *time.Location) rowCells {
	r := rowCells{marker: " ", seq: strconv.FormatInt(f.Seq, 10)}
	switch {
	case f.State == session.Intercepted:
		r.marker = "⏸"
	case f.Marked:
		r.marker = "●"
	case f.Err != nil:
		r.marker = "!"
	case f.Source == session.Replay:
		r.marker = "↻"
	case f.Source == session.Mock:
		r.marker = "◆"
	}
	if t := f.Start(); !t.IsZero() {
		r.time = t.Time().In(loc).Format("15:04:05")
	}
	if f.Request != nil {
		r.method = printable(f.Request.Method)
		r.host, r.path = splitURL(f.Request.URL)
	}
	switch {
	case f.Err != nil:
		r.status = "ERR"
	case f.State == session.Intercepted:
		r.status = "⏸"
	case f.Kind == session.Tunnel:
		r.status = "tun"
	case f.Response != nil:
		r.status = strconv.Itoa(f.Response.Status)
	default:
		r.status = "…"
	}
	switch f.Kind {
	case session.WebSocket:
		r.ctype = "ws"
	case session.Tunnel:
		r.ctype = "tls"
	default:
		r.ctype = shortType(f.ContentType())
	}
	if f.Response != nil || f.Stream != nil {
		r.size = FormatSize(f.Size())
	}
	if d := f.Duration(); d > 0 {
		r.dur = FormatDuration(d)
	}
	return r
}

// splitURL returns the host and the path with query of an absolute URL,
// safe to draw.
func splitURL(raw string) (host, path string) {
	if len(raw) > 8<<10 {
		raw = raw[:8<<10] // the list shows a few dozen cells of it
	}
	rest, ok := strings.CutPrefix(raw, "http://")
	if !ok {
		rest, ok = strings.CutPrefix(raw, "https://")
	}
	if !ok {
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			return printable(u.Host), printable(u.RequestURI())
		}
		return "", printable(raw)
	}
	i := strings.IndexAny(rest, "/?")
	if i < 0 {
		return printable(rest), "/"
	}
	return printable(rest[:i]), printable(rest[i:])
}

// render draws one row; selected rows are drawn in one colour so that the
// cursor stands out, paused rows in another, others colour method and
// status.
func (c columns) render(r rowCells, f *session.Flow, st Styles, selected bool, width int) string {
	plain := func(s ...string) string { return strings.Join(s, " ") }
	mark, method, status := plain, plain, plain
	if !selected {
		method = st.Method(r.method).Render
		switch {
		case f.Err != nil:
			status = st.Error.Render
		case f.Response != nil && f.Kind == session.HTTP:
			status = st.Status(f.Response.Status).Render
		default:
			status = st.Pending.Render
		}
		switch r.marker {
		case "●":
			mark = st.Marked.Render
		case "!":
			mark = st.Error.Render
		case "↻", "◆":
			mark = st.Replayed.Render
		}
	}
	// The cursor has a glyph of its own, so it shows without colour too.
	cursor := " "
	if selected {
		cursor = "›"
	}
	parts := []string{cursor + mark(r.marker) + rcell(r.seq, c.seq)}
	if c.time > 0 {
		parts = append(parts, cell(r.time, c.time))
	}
	parts = append(parts,
		method(cell(r.method, c.method)),
		cell(r.host, c.host),
		cell(r.path, c.path),
		status(cell(r.status, c.status)),
		cell(r.ctype, c.ctype),
		rcell(r.size, c.size),
		rcell(r.dur, c.dur))
	line := strings.Join(parts, " ")
	switch {
	case selected:
		return st.Selected.Render(cell(line, width))
	case f.State == session.Intercepted:
		// A paused flow waits for the user: the whole row stands out.
		return st.Intercepted.Render(ansi.Strip(line))
	}
	return line
}

// padLines makes s exactly h lines, each at most w cells.
func padLines(s string, w, h int) string {
	return lipgloss.NewStyle().Width(w).Height(h).MaxHeight(h).MaxWidth(w).Render(s)
}
