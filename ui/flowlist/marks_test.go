package flowlist

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/style"
)

// markFlows are an HTTP/1.1 GET, a gRPC call over HTTP/2 that failed
// (status in its trailers), one that succeeded, one that failed before any
// message (Trailers-Only), an HTTP/1.1 client reaching an h2 origin with
// a long method, and a gRPC call behind a gateway's prefix.
func markFlows() []*session.Flow {
	flow := func(method, url, clientProto, originProto string, h, tr http.Header) *session.Flow {
		ct := h.Get("Content-Type")
		return &session.Flow{State: session.Done,
			Request: &session.Request{Method: method, URL: url, Proto: clientProto,
				Header: http.Header{"Content-Type": {ct}}},
			Response: &session.Response{Status: 200, Reason: "OK", Proto: originProto, Header: h, Trailer: tr}}
	}
	grpc := http.Header{"Content-Type": {"application/grpc"}}
	return []*session.Flow{
		flow("GET", "https://h.test/index.html", "HTTP/1.1", "HTTP/1.1", http.Header{"Content-Type": {"text/html"}}, nil),
		flow("POST", "https://api.test/helloworld.Greeter/SayHello", "HTTP/2.0", "HTTP/2.0", grpc,
			http.Header{"Grpc-Status": {"5"}, "Grpc-Message": {"no user"}}),
		flow("POST", "https://api.test/helloworld.Greeter/SayHi", "HTTP/2.0", "HTTP/2.0", grpc, http.Header{"Grpc-Status": {"0"}}),
		flow("POST", "https://api.test/helloworld.Greeter/Down", "HTTP/2.0", "HTTP/2.0",
			http.Header{"Content-Type": {"application/grpc"}, "Grpc-Status": {"14"}}, nil),
		flow("DELETE", "https://h.test/items/1", "HTTP/1.1", "HTTP/2.0", http.Header{"Content-Type": {"text/plain"}}, nil),
		flow("POST", "https://gw.test/api/v1/pkg.Svc/Get", "HTTP/2.0", "HTTP/2.0", grpc, http.Header{"Grpc-Status": {"16"}}),
	}
}

// listOf is the list over a store holding flows, committed to its file so
// that the rows are the light snapshots the list draws in a session.
func listOf(t *testing.T, width int, flows ...*session.Flow) *Model {
	t.Helper()
	s, err := session.Open(filepath.Join(t.TempDir(), "s.db"), session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, f := range flows {
		s.Add(f)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	l := New(context.Background(), typingHost{}, Config{View: s.NewView(), Store: s, Keys: keymap.Default(),
		Styles: style.NewStyles(style.DefaultTheme()), Location: time.UTC, File: s.Path()})
	l.SetSize(width, 12)
	l.Refreshed(l.RefreshNow(context.Background()))
	if w := l.view.Window(0, 1); len(w) == 0 || !w[0].HeadersUnloaded {
		t.Fatal("the rows are not light snapshots")
	}
	return l
}

func rows(l *Model) []string {
	lines := strings.Split(ansi.Strip(l.View()), "\n")
	return lines[1 : 1+l.shown]
}

// The list marks HTTP/2 flows (either side) after the method, shows a
// gRPC call's service/Method for its path and the status it failed with
// by name, at 80 columns and wider; an HTTP/1.1 flow's row is unchanged.
func TestListMarksHTTP2AndGRPC(t *testing.T) {
	for _, width := range []int{80, 160} {
		l := listOf(t, width, markFlows()...)
		got := rows(l)
		// At 80 columns, the package goes, then the service, before the
		// method is cut.
		pkg := map[bool]string{true: "helloworld."}[width > 80]
		for i, want := range []struct{ method, path, not string }{
			{"GET     ", "/index.html", "h2"},
			{"POST h2 ", map[bool]string{true: "helloworld.Greeter/SayHello NOT_FOUND", false: "SayHello NOT_FOUND"}[width > 80], "/helloworld"},
			{"POST h2 ", pkg + "Greeter/SayHi ", "OK"},
			{"POST h2 ", map[bool]string{true: "helloworld.Greeter/Down UNAVAILABLE", false: "Down UNAVAILABLE"}[width > 80], "/helloworld"},
			{"DELETE² ", "/items/1", "h2"},
			{"POST h2 ", map[bool]string{true: "pkg.Svc/Get UNAUTHENTICATED", false: "Get UNAUTHENTICATED"}[width > 80], "/api"},
		} {
			row := got[i]
			if !strings.Contains(row, want.method) || !strings.Contains(row, want.path) || strings.Contains(row[10:], want.not) {
				t.Errorf("%d columns, row %d: %q; want %q and %q, not %q", width, i, row, want.method, want.path, want.not)
			}
			if ansi.StringWidth(row) > width {
				t.Errorf("%d columns, row %d is %d wide", width, i, ansi.StringWidth(row))
			}
		}
	}
	// A path too long for its cell is cut; the status stays whole.
	f := markFlows()[1]
	f.Request.URL = "https://api.test/com.example.Greeter/SayHelloToEveryoneInTheWorld"
	row := rows(listOf(t, 80, f))[0]
	if !strings.Contains(row, "… NOT_FOUND ") {
		t.Errorf("a long gRPC method at 80 columns: %q", row)
	}
}

// The HTTP/1.1 row is exactly what the list drew before the marks.
func TestListHTTP11RowUnchanged(t *testing.T) {
	f := markFlows()[0]
	r := flowCells(f, time.UTC)
	if r.h2 || r.note != "" || r.path != "/index.html" {
		t.Errorf("cells of an HTTP/1.1 flow: %+v", r)
	}
}

// TestGoldenListMarks draws the marked rows at 80 columns.
func TestGoldenListMarks(t *testing.T) {
	l := listOf(t, 80, markFlows()...)
	golden.RequireEqual(t, []byte(ansi.Strip(l.View())))
}
