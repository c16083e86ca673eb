package flowview

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/siphonproxy/siphon/grpcmsg"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/style"
)

// headerCap is how much of one header value the flow view draws; a 60 KB
// header line is summarised rather than wrapped over a thousand rows.
const headerCap = 4 << 10

// requestHead is the first line and the headers of a request.
func requestHead(r *session.Request, st style.Styles) []string {
	first := st.Method(r.Method).Render(style.Printable(r.Method)) + " " + style.Printable(style.CapText(r.URL, headerCap)) + " " + st.Muted.Render(r.Proto)
	return append([]string{first}, headerLines(r.Header, st)...)
}

// responseHead is the status line and the headers of a response.
func responseHead(r *session.Response, st style.Styles) []string {
	first := st.Muted.Render(r.Proto) + " " + st.Status(r.Status).Render(fmt.Sprintf("%d %s", r.Status, style.Printable(r.Reason)))
	return append([]string{first}, headerLines(r.Header, st)...)
}

// headerLines lists headers sorted by name, one line per value.
func headerLines(h http.Header, st style.Styles) []string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	var out []string
	for _, k := range names {
		for _, v := range h[k] {
			out = append(out, st.Key.Render(style.Printable(k))+st.Punct.Render(": ")+style.Printable(style.CapText(v, headerCap)))
		}
	}
	return out
}

// trailerLines are the trailer fields sent after a body (gRPC's status,
// HTTP/1.1 chunked trailers) under a title, for after the body's lines;
// none when there were none.
func trailerLines(tr http.Header, st style.Styles) []string {
	if len(tr) == 0 {
		return nil
	}
	return append([]string{"", st.Title.Render("trailers")}, headerLines(tr, st)...)
}

// requestTab is the Request tab without its body lines: the request, or
// with original set the one the client sent, whose body is then shown.
func requestTab(f *session.Flow, original bool, st style.Styles) []string {
	if f.Request == nil {
		return []string{st.Muted.Render("(no request)")}
	}
	if original && f.Original != nil {
		lines := []string{st.Warning.Render("the request as the client sent it (o shows the edited one):")}
		return append(append(lines, requestHead(f.Original, st)...), "")
	}
	lines := requestHead(f.Request, st)
	if f.Original != nil {
		lines = append(lines, "", st.Warning.Render("edited; the client sent (o shows it with its body):"))
		lines = append(lines, requestHead(f.Original, st)...)
	}
	return append(lines, "")
}

// responseTab is the Response tab without its body lines; failed and
// pending flows say so here.
func responseTab(f *session.Flow, st style.Styles) []string {
	var lines []string
	if f.Err != nil {
		lines = append(lines, errorLines(f.Err, st)...)
		lines = append(lines, "")
	}
	switch {
	case f.Response != nil:
		lines = append(lines, responseHead(f.Response, st)...)
		return append(lines, "")
	case f.Err == nil && f.Kind == session.Tunnel:
		return append(lines, st.Muted.Render("an opaque tunnel (TLS passthrough): no HTTP response to show; see Details"))
	case f.Err == nil:
		return append(lines, st.Pending.Render("waiting for the response…"))
	}
	return lines
}

// errorLines describe a flow's failure: phase, message and what to do.
func errorLines(e *session.Error, st style.Styles) []string {
	lines := []string{st.Error.Render("error (" + style.Printable(e.Phase) + "): " + style.Printable(e.Msg))}
	if e.Hint != "" {
		lines = append(lines, st.Warning.Render("hint: "+style.Printable(e.Hint)))
	}
	return lines
}

// failedCall returns the status of a gRPC call that did not end OK, from
// its trailers or Trailers-Only headers: cheap enough for every frame,
// unlike gRPC-Web's trailer frame in the body (the gRPC tab reads that).
func failedCall(f *session.Flow) (grpcmsg.Status, bool) {
	if !grpcmsg.IsGRPC(f) {
		return grpcmsg.Status{}, false
	}
	s, ok := grpcmsg.ParseStatus(f.Response.Trailer)
	if !ok {
		s, ok = grpcmsg.ParseStatus(f.Response.Header)
	}
	return s, ok && s.Code != grpcmsg.OK
}

// oneLine is a flow as one line, for the flow view's title.
func oneLine(f *session.Flow, st style.Styles) string {
	var b strings.Builder
	if f.Request != nil {
		b.WriteString(st.Method(f.Request.Method).Render(style.Printable(f.Request.Method)) + " " + style.Printable(style.CapText(f.Request.URL, 512)))
	}
	switch {
	case f.Err != nil:
		b.WriteString(" " + st.Error.Render("ERR "+style.Printable(f.Err.Phase)))
	case f.State == session.Intercepted && f.Response != nil:
		b.WriteString(" " + st.Intercepted.Render(fmt.Sprintf("⏸ %d paused at the response", f.Response.Status)))
	case f.State == session.Intercepted:
		b.WriteString(" " + st.Intercepted.Render("⏸ paused at the request"))
	case f.Response != nil:
		b.WriteString(" " + st.Status(f.Response.Status).Render(fmt.Sprint(f.Response.Status)))
		if s, ok := failedCall(f); ok {
			b.WriteString(" " + st.Error.Render(s.Code.String()))
		}
	default:
		b.WriteString(" " + st.Pending.Render("…"))
	}
	return b.String()
}
