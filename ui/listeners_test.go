package ui

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// With several listeners the status bar lists the others after the
// regular listener's address, by the names their flows record (what
// ~listener matches); with one it is the bar siphon has always drawn (the
// goldens pin that).
func TestStatusBarListeners(t *testing.T) {
	names := []string{"socks5@1080", "reverse:http://127.0.0.1:9000@8081"}
	tm := start(t, emptyStore(t), 160, 24, WithListeners(names))
	want := " 127.0.0.1:8080 + socks5@1080, reverse:http://127.0.0.1:9000@8081 · empty.db · 0 flows"
	waitScreen(t, tm, want)
	finish(t, tm)

	// Without a regular listener the bar names the others alone.
	tm = start(t, emptyStore(t), 160, 24, WithListen(""), WithListeners(names[:1]))
	waitScreen(t, tm, " socks5@1080 · empty.db · 0 flows")
	finish(t, tm)
}

// The Details tab names the listener a flow came in on when the proxy has
// several, and a reverse or SOCKS5 one always; a regular flow of a lone
// regular listener, and a flow recorded without a listener, show none.
func TestDetailsListener(t *testing.T) {
	several := WithListeners([]string{"socks5@1080"})
	for _, c := range []struct {
		listener string
		opts     []Option
		want     string // "" for no listener row
	}{
		{"socks5@1080", nil, "listener      socks5@1080"},
		{"reverse:https://api.test@8443", nil, "listener      reverse:https://api.test@8443"},
		{"regular@8080", nil, ""},
		{"regular@8080", []Option{several}, "listener      regular@8080"},
		{"", []Option{several}, ""},
	} {
		t.Run(c.listener, func(t *testing.T) {
			store, err := session.Open(filepath.Join(t.TempDir(), "l.db"), session.Options{})
			must(t, err)
			t.Cleanup(func() { store.Close() })
			store.Add(&session.Flow{State: session.Done, Listener: c.listener,
				Request:  &session.Request{Method: "GET", URL: "http://api.test/listened"},
				Response: &session.Response{Status: 200}})
			tm := start(t, store, 160, 30, c.opts...)
			waitScreen(t, tm, "/listened")
			press(tm, keymap.ScopeList, keymap.ActOpen)
			waitScreen(t, tm, "[Request]")
			press(tm, keymap.ScopeFlow, keymap.ActNextTab)
			press(tm, keymap.ScopeFlow, keymap.ActNextTab)
			waitScreen(t, tm, "[Details]", "timings")
			screen := ansi.Strip(finish(t, tm).View())
			switch {
			case c.want != "" && !strings.Contains(screen, c.want):
				t.Errorf("the Details tab lacks %q:\n%s", c.want, screen)
			case c.want == "" && strings.Contains(screen, "listener "):
				t.Errorf("the Details tab names a listener:\n%s", screen)
			}
		})
	}
}
