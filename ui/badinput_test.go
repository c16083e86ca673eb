package ui

import (
	"bytes"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/flowview"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// bigJSON is a JSON array of about n bytes.
func bigJSON(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`[`)
	for i := 0; b.Len() < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"id":12345,"name":"a fairly long name for an item","tags":["x","y"],"ok":true}`)
	}
	b.WriteString(`]`)
	return b.Bytes()
}

// TestBadInput stores flows with hostile or huge parts, opens each in the
// whole UI, and checks what is shown: a sensible note and a capped amount
// of text, drawn without stalling the event loop (bodies render in a
// command) and without losing the flow.
func TestBadInput(t *testing.T) {
	long := strings.Repeat("v", 60<<10)
	longURL := "http://example.test/" + strings.Repeat("p", 20<<10)
	cases := []struct {
		name    string
		flow    *session.Flow
		tab     int
		want    []string // on screen
		maxRows int      // the tab's logical lines at most
		inLines string   // in the tab's lines, maybe below the screen
	}{
		{"invalid-utf8", &session.Flow{State: session.Done, Request: req("GET", "http://example.test/bin", nil, ""),
			Response: resp(200, "text/plain", []byte("caf\xe9 \xff\xfe\x00\x01 not utf-8"))},
			flowview.TabResponse, []string{"binary data: hex dump", "63 61 66 e9"}, 20, ""},
		{"50MB-json", &session.Flow{State: session.Done, Request: req("GET", "http://example.test/big.json", nil, ""),
			Response: resp(200, "application/json", bigJSON(50<<20))},
			flowview.TabResponse, []string{"formatted the first 1.0MiB of 50.0MiB", `"name": "a fairly long name`}, 200_000, ""},
		{"bad-brotli", &session.Flow{State: session.Done, Request: req("GET", "http://example.test/br", nil, ""),
			Response: resp(200, "application/json", []byte("this is not brotli at all"), "Content-Encoding", "br")},
			flowview.TabResponse, []string{"decode br body", "showing the bytes as received", "74 68 69 73"}, 20, ""},
		{"60KB-header", &session.Flow{State: session.Done, Request: req("GET", "http://example.test/h", http.Header{"X-Huge": {long}}, ""),
			Response: resp(204, "", nil)},
			flowview.TabRequest, []string{"X-Huge: vvvv"}, 20, "[56.0KiB more]"},
		{"20KB-url", &session.Flow{State: session.Done, Request: req("GET", longURL, nil, ""), Response: resp(200, "text/plain", []byte("ok"))},
			flowview.TabRequest, []string{"GET http://example.test/pppp"}, 20, "[16.0KiB more]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			store, err := session.Open(filepath.Join(t.TempDir(), "bad.db"), session.Options{})
			must(t, err)
			defer store.Close()
			store.Add(c.flow)
			must(t, store.Flush()) // the body now comes from the file

			tm := start(t, store, 80, 24)
			waitScreen(t, tm, "· 1 flow ·")
			press(tm, keymap.ScopeList, keymap.ActOpen)
			for range c.tab {
				press(tm, keymap.ScopeFlow, keymap.ActNextTab)
			}
			waitScreen(t, tm, c.want...)
			m := finish(t, tm)
			lines := m.flow.Pager().Lines()
			if c.inLines != "" && !strings.Contains(strings.Join(lines, "\n"), c.inLines) {
				t.Errorf("the tab's lines lack %q", c.inLines)
			}
			if len(lines) > c.maxRows {
				t.Errorf("the tab has %d lines, want at most %d", len(lines), c.maxRows)
			}
			for _, l := range m.flow.Pager().Wrapped() {
				if ansi.StringWidth(l) > 80 {
					t.Fatalf("a drawn line is %d cells wide, wider than the screen", ansi.StringWidth(l))
				}
			}
			if got := store.Len(); got != 1 {
				t.Errorf("store holds %d flows after viewing, want 1", got)
			}
		})
	}
	// The list draws the 20 KB URL in its cell.
	t.Run("20KB-url-in-list", func(t *testing.T) {
		store := fixedStore(t)
		store.Add(&session.Flow{State: session.Done, Request: req("GET", longURL, nil, ""), Response: resp(200, "text/plain", nil)})
		tm := start(t, store, 80, 24)
		waitScreen(t, tm, "/pppppppp")
		for _, l := range strings.Split(finish(t, tm).View(), "\n") {
			if w := ansi.StringWidth(l); w > 80 {
				t.Fatalf("a list line is %d cells wide", w)
			}
		}
	})
}
