package flowlist

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/siphonproxy/siphon/grpcmsg"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/style"
)

// Protocol marks of a row: an HTTP/2 flow has "h2" after its method; a
// gRPC call shows its service and method for a path, and the status it
// failed with after them. HTTP/1.1 flows are drawn as they always were.

// isHTTP2 reports whether either side of f spoke HTTP/2: the client's
// request or the origin's response (as ~http2 matches).
func isHTTP2(f *session.Flow) bool {
	return f.Request != nil && strings.HasPrefix(f.Request.Proto, "HTTP/2") ||
		f.Response != nil && strings.HasPrefix(f.Response.Proto, "HTTP/2")
}

// grpcCells sets the path of a gRPC call's row to "package.Service/Method"
// (a gateway's prefix left out), its shorter forms for narrow terminals to
// "Service/Method" and "Method", and its note to the status by name when
// the call did not end OK. The light snapshots the list draws keep the
// status (session/lightgrpc.go); gRPC-Web's, in the body, shows in the
// flow view only.
func grpcCells(r *rowCells, f *session.Flow) {
	if grpcmsg.FlowFraming(f) == grpcmsg.NotGRPC {
		return
	}
	if svc, m, ok := grpcmsg.FlowMethod(f); ok {
		r.path = style.Printable(svc + "/" + m)
		r.short = [2]string{style.Printable(svc[strings.LastIndexByte(svc, '.')+1:] + "/" + m), style.Printable(m)}
	}
	if s, ok := grpcmsg.StatusOf(f); ok && s.Code != grpcmsg.OK {
		r.note = s.Code.String()
	}
}

// methodText is the method with the h2 mark when the row has one, in w
// cells: "POST h2", or "DELETE²" where the mark does not fit whole.
func methodText(method string, h2 bool, w int) string {
	switch {
	case !h2:
		return method
	case ansi.StringWidth(method)+3 <= w:
		return method + " h2"
	}
	return ansi.Truncate(method, w-1, "") + "²"
}

// pathCell is the path in w cells, or the first of its shorter forms
// that fits (the last when none does), followed by the note (in the note's
// style) that stays whole while the path is cut.
func pathCell(path string, short [2]string, note string, w int, noteStyle func(...string) string) string {
	n := ansi.StringWidth(note)
	if note != "" {
		n++
	}
	for _, s := range short {
		if s != "" && ansi.StringWidth(path)+n > w {
			path = s
		}
	}
	if note == "" {
		return style.Cell(path, w)
	}
	n--
	switch {
	case n+1 > w:
		return noteStyle(style.Cell(note, w))
	case ansi.StringWidth(path)+1+n <= w:
		return path + " " + noteStyle(note) + strings.Repeat(" ", w-ansi.StringWidth(path)-1-n)
	}
	return style.Cell(path, w-n-1) + " " + noteStyle(note)
}
