package flowlist

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/style"
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

// header renders the column titles, with an arrow on the sort column.
func (c columns) header(st style.Styles, key session.SortKey, reverse bool) string {
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
	parts := []string{"  " + style.RCell(seqTitle, c.seq)}
	if c.time > 0 {
		parts = append(parts, style.Cell(title("time", session.SortTime), c.time))
	}
	parts = append(parts,
		style.Cell(title("method", session.SortMethod), c.method),
		style.Cell("host", c.host),
		style.Cell(title("path", session.SortURL), c.path),
		style.Cell(title("code", session.SortStatus), c.status),
		style.Cell("type", c.ctype),
		style.RCell(title("size", session.SortSize), c.size),
		style.RCell(title("dur", session.SortDuration), c.dur))
	return st.Header.Render(strings.Join(parts, " "))
}

// rowCells are the texts of one flow's row, before styling.
type rowCells struct {
	marker, seq, time, method, host, path, status, ctype, size, dur string

	// h2: either side spoke HTTP/2, a mark after the method.
	h2 bool
	// note follows the path: a gRPC call's failed status.
	note string
	// short replaces path where it does not fit, in this order: a gRPC
	// method without its package, then without its service; "" for none.
	short [2]string
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
		r.method = style.Printable(f.Request.Method)
		r.host, r.path = splitURL(f.Request.URL)
	}
	r.h2 = isHTTP2(f)
	grpcCells(&r, f)
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
		r.size = style.FormatSize(f.Size())
	}
	if d := f.Duration(); d > 0 {
		r.dur = style.FormatDuration(d)
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
			return style.Printable(u.Host), style.Printable(u.RequestURI())
		}
		return "", style.Printable(raw)
	}
	i := strings.IndexAny(rest, "/?")
	if i < 0 {
		return style.Printable(rest), "/"
	}
	return style.Printable(rest[:i]), style.Printable(rest[i:])
}

// render draws one row; selected rows are drawn in one colour so that the
// cursor stands out, paused rows in another, others colour method and
// status.
func (c columns) render(r rowCells, f *session.Flow, st style.Styles, selected bool, width int) string {
	plain := func(s ...string) string { return strings.Join(s, " ") }
	mark, method, status := plain, plain, plain
	if !selected {
		method = st.Method(r.method).Render
		switch {
		case f.Err != nil:
			status = st.Error.Render
		case r.note != "":
			status = st.Error.Render // a failed gRPC call's 200
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
	note := plain
	if !selected {
		note = st.Error.Render
	}
	parts := []string{cursor + mark(r.marker) + style.RCell(r.seq, c.seq)}
	if c.time > 0 {
		parts = append(parts, style.Cell(r.time, c.time))
	}
	parts = append(parts,
		method(style.Cell(methodText(r.method, r.h2, c.method), c.method)),
		style.Cell(r.host, c.host),
		pathCell(r.path, r.short, r.note, c.path, note),
		status(style.Cell(r.status, c.status)),
		style.Cell(r.ctype, c.ctype),
		style.RCell(r.size, c.size),
		style.RCell(r.dur, c.dur))
	line := strings.Join(parts, " ")
	switch {
	case selected:
		return st.Selected.Render(style.Cell(line, width))
	case r.marker == "⏸":
		// A paused flow, or a WebSocket with a paused message, waits for
		// the user: the whole row stands out.
		return st.Intercepted.Render(ansi.Strip(line))
	}
	return line
}

// shortType names a media type in a few letters for the list.
func shortType(ct string) string {
	if ct == "" {
		return ""
	}
	main, sub, _ := strings.Cut(ct, "/")
	switch {
	case strings.Contains(sub, "json"):
		return "json"
	case sub == "html" || sub == "xhtml+xml":
		return "html"
	case strings.Contains(sub, "javascript") || sub == "ecmascript":
		return "js"
	case sub == "css":
		return "css"
	case strings.Contains(sub, "xml"):
		return "xml"
	case sub == "x-www-form-urlencoded":
		return "form"
	case strings.HasPrefix(sub, "multipart") || main == "multipart":
		return "multi"
	case sub == "event-stream":
		return "sse"
	case main == "image":
		return "img"
	case main == "font" || strings.Contains(sub, "font"):
		return "font"
	case main == "video" || main == "audio":
		return main[:3]
	case main == "text":
		return "text"
	case sub == "octet-stream":
		return "bin"
	case sub == "wasm":
		return "wasm"
	}
	if len(sub) > 5 {
		sub = sub[:5]
	}
	return sub
}
