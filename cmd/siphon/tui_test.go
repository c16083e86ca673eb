package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui"
	"github.com/siphonproxy/siphon/ui/eventlog"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// tuiOrigin answers the requests the whole-program test sends.
func tuiOrigin() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/users":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"users":[{"id":1,"name":"Ada"}],"total":1}`)
		case "/page":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html><body><p>hello page</p></body></html>")
		case "/missing":
			http.NotFound(w, r)
		default:
			io.WriteString(w, "ok\n")
		}
	})
}

// TestTUIWholeProgram runs the proxy as siphon does (startProxy, a real
// session file continued from an earlier run) with the UI on top, sends
// requests through it with net/http, and drives the UI with the keys of
// its key table: open a flow, switch tabs, filter, sort by duration, mark
// and show only marked flows.
func TestTUIWholeProgram(t *testing.T) {
	home := t.TempDir()
	path := filepath.Join(home, "continued.db")
	earlier, err := session.Open(path, session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	earlier.Add(&session.Flow{State: session.Done, Request: &session.Request{Method: "GET", URL: "http://earlier.test/previous-run"},
		Response: &session.Response{Status: 200}})
	must(t, earlier.Close())

	// The flags as siphon parses them, so that every option has its default.
	fs := newFlagSet("siphon")
	var o proxyOptions
	o.register(fs)
	must(t, parseFlags(fs, []string{"--listen", "127.0.0.1:0", "--home", home, "--session", path}))
	c, err := o.check()
	must(t, err)
	events := eventlog.New(100)
	r, err := startProxy(&o, c, proxySetup{logHandler: func(file slog.Handler) slog.Handler {
		return slog.NewMultiHandler(file, events.Handler(slog.LevelWarn))
	}})
	must(t, err)
	t.Cleanup(func() { r.stop(nil, nil) })

	originSrv := httptest.NewServer(tuiOrigin())
	t.Cleanup(originSrv.Close)
	proxyURL, _ := url.Parse("http://" + r.addr.String())
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}}
	t.Cleanup(client.CloseIdleConnections)

	km := keymap.Default()
	press := func(tm *teatest.TestModel, scope keymap.Scope, a keymap.Action) { tm.Send(km.KeyMsg(scope, a)) }
	tm := teatest.NewTestModel(t, ui.New(r.store, ui.WithListen(r.addr.String()), ui.WithEvents(events)),
		teatest.WithInitialTermSize(120, 40))
	waitScreen(t, tm, "/previous-run", "· 1 flow ·")

	for _, p := range []string{"/api/users", "/page", "/missing", "/other"} {
		res, err := client.Get(originSrv.URL + p)
		must(t, err)
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	res, err := client.PostForm(originSrv.URL+"/api/users", url.Values{"name": {"ada"}})
	must(t, err)
	res.Body.Close()
	waitScreen(t, tm, "/api/users", "/page", "/missing", "/other", "6 flows")

	// Open the second flow (GET /api/users) and go through the tabs.
	press(tm, keymap.ScopeList, keymap.ActDown)
	press(tm, keymap.ScopeList, keymap.ActOpen)
	waitScreen(t, tm, "[Request]", "User-Agent")
	press(tm, keymap.ScopeFlow, keymap.ActNextTab)
	waitScreen(t, tm, "[Response]", `"name": "Ada"`)
	press(tm, keymap.ScopeFlow, keymap.ActNextTab)
	waitScreen(t, tm, "[Details]", "timings", "TTFB")
	press(tm, keymap.ScopeFlow, keymap.ActBack)

	// Filter: only the 404.
	press(tm, keymap.ScopeList, keymap.ActFilter)
	tm.Type("~c 404")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitScreen(t, tm, "1/6 flows", "filter: ~c 404")
	// A bad expression shows where it is wrong, and esc keeps the filter.
	press(tm, keymap.ScopeList, keymap.ActFilter)
	tm.Type(" ~zz")
	waitScreen(t, tm, "^ unknown operator")
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	// An empty filter clears it.
	press(tm, keymap.ScopeList, keymap.ActFilter)
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlU})
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitScreen(t, tm, "filter cleared", " · 6 flows · sort") // counts change with the refresh

	// Sort by duration: o cycles time, method, url, status, size, duration.
	for range int(session.SortDuration) {
		press(tm, keymap.ScopeList, keymap.ActSort)
	}
	waitScreen(t, tm, "sorted by duration", "sort: duration")

	// Mark the flow under the cursor, then show only marked flows.
	press(tm, keymap.ScopeList, keymap.ActMark)
	press(tm, keymap.ScopeList, keymap.ActMarkedOnly)
	waitScreen(t, tm, "1/6 flows · marked only")

	must(t, tm.Quit())
	st := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*ui.Model).State()
	if st.Sort != session.SortDuration || !st.MarkedOnly || st.Shown != 1 || st.Total != 6 || st.Filter != "" {
		t.Fatalf("final state: sort %v, marked only %v, %d/%d shown, filter %q", st.Sort, st.MarkedOnly, st.Shown, st.Total, st.Filter)
	}
	if st.Selected == nil || !st.Selected.Marked {
		t.Fatalf("the flow under the cursor is not marked: %+v", st.Selected)
	}
	stored, err := r.store.Get(st.Selected.ID)
	must(t, err)
	if !stored.Marked {
		t.Errorf("the mark did not reach the store")
	}
}

// TestTUIReadonlyMistakes checks that the UI's command line refuses a
// missing or foreign session file with exit code 2, before any screen.
func TestTUIReadonlyMistakes(t *testing.T) {
	dir := t.TempDir()
	foreign := filepath.Join(dir, "foreign.db")
	makeForeignSQLite(t, foreign)
	for _, args := range [][]string{
		{"--readonly", filepath.Join(dir, "missing.db")},
		{"--readonly", foreign},
		{"--no-such-flag"},
	} {
		_, stderr, code := runSiphon(t, args...)
		if code != 2 || !strings.HasPrefix(stderr, "siphon: ") {
			t.Errorf("siphon %v: exit %d, stderr %q; want exit 2 and a message", args, code, stderr)
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var _ = fmt.Sprint
