package flowlist

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/session"
)

// sayingHost records what the list says in the status bar.
type sayingHost struct {
	typingHost
	said *[]string
}

func (h sayingHost) Say(text string) tea.Cmd { *h.said = append(*h.said, text); return nil }

// While the store's flows are still being read (a big session opened with
// LoadInBackground), the status bar says how far the load is instead of a
// count that keeps growing; once it is done, the count as always, and what
// the load lost, if anything, in a message.
func TestStatusSaysLoadingThenTheCount(t *testing.T) {
	var flows []*session.Flow
	for _, path := range []string{"/a", "/b", "/c"} {
		flows = append(flows, &session.Flow{State: session.Done,
			Request:  &session.Request{Method: "GET", URL: "http://h.test" + path, Proto: "HTTP/1.1", Header: http.Header{}},
			Response: &session.Response{Status: 200, Proto: "HTTP/1.1", Header: http.Header{}}})
	}
	l := listOf(t, 100, flows...)
	var said []string
	l.host = sayingHost{said: &said}
	load := session.LoadState{Loaded: 3, Total: 1000}
	l.refresh.loading = func() session.LoadState { return load }
	status := func() string {
		t.Helper()
		l.Refreshed(l.RefreshNow(context.Background()))
		return strings.Join(l.Status(), " · ")
	}

	if got := status(); !strings.Contains(got, " · loading 3 of 1000 flows · ") {
		t.Errorf("while loading the status bar says %q, want loading 3 of 1000 flows", got)
	}
	l.SetFilter("~u /b")
	if got := status(); !strings.Contains(got, " · 1/3 flows · loading 3 of 1000 · filter: ~u /b") {
		t.Errorf("while loading, filtered, the status bar says %q", got)
	}
	l.SetFilter("")
	load = session.LoadState{Loaded: 3, Total: 5, Skipped: 2, Done: true}
	if got := status(); strings.Contains(got, "loading") || !strings.Contains(got, " · 3 flows · ") {
		t.Errorf("after the load the status bar says %q, want the count", got)
	}
	if want := "2 flows of the file could not be read (left in the file)"; !slices.Contains(said, want) {
		t.Errorf("after a load that skipped 2 flows the list said %q, want %q", said, want)
	}
	n := len(said)
	status()
	if len(said) != n {
		t.Errorf("a refresh after the load said again %q", said[n:])
	}

	l.load = session.LoadState{Loaded: 3, Total: 1000}
	load = session.LoadState{Loaded: 3, Total: 1000, Done: true, Err: errors.New("database disk image is malformed")}
	status()
	if want := "loading stopped after 3 flows: database disk image is malformed"; !slices.Contains(said, want) {
		t.Errorf("after a failed load the list said %q, want %q", said, want)
	}
}

// Until a refresh asked for after a new filter comes back, the rows on
// screen are the old filter's: the status bar says the list is being
// updated, and stops saying so once the new rows are in. A refresh asked
// for before the change (in flight when it came) does not end it.
func TestStatusSaysUpdatingUntilTheNewRows(t *testing.T) {
	var flows []*session.Flow
	for _, path := range []string{"/a", "/b", "/c"} {
		flows = append(flows, &session.Flow{State: session.Done,
			Request:  &session.Request{Method: "GET", URL: "http://h.test" + path, Proto: "HTTP/1.1", Header: http.Header{}},
			Response: &session.Response{Status: 200, Proto: "HTTP/1.1", Header: http.Header{}}})
	}
	l := listOf(t, 100, flows...)
	status := func() string { return strings.Join(l.Status(), " · ") }
	if got := status(); strings.Contains(got, "updating") {
		t.Fatalf("a settled list's status bar says %q", got)
	}
	before := l.RefreshNow(context.Background()) // asked for before the filter
	l.SetFilter("~u /b")
	if got := status(); !strings.Contains(got, "updating the list…") {
		t.Errorf("right after a new filter the status bar says %q, want it updating", got)
	}
	l.Refreshed(before)
	if got := status(); !strings.Contains(got, "updating the list…") {
		t.Errorf("after a refresh asked for before the filter the status bar says %q, want it still updating", got)
	}
	l.Refreshed(l.RefreshNow(context.Background()))
	if got := status(); strings.Contains(got, "updating") || !strings.Contains(got, "1/3 flows") {
		t.Errorf("once the filtered rows are in the status bar says %q", got)
	}
}
