package ui

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/siphonproxy/siphon/session"
)

func emptyStore(t *testing.T) *session.Store {
	t.Helper()
	s, err := session.Open(filepath.Join(t.TempDir(), "empty.db"), session.Options{})
	must(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// TestGoldenEmpty draws the UI before the first flow at 80×24: it says how
// to point curl, the environment and Chromium at the proxy, and where the
// CA certificate is.
func TestGoldenEmpty(t *testing.T) {
	tm := start(t, emptyStore(t), 80, 24, WithCAPath("/home/ada/.siphon/ca.pem"))
	waitScreen(t, tm, "no flows yet")
	m := finish(t, tm)
	view := m.View()
	screen := ansi.Strip(view)
	// A command cut at the width would not paste; a wrapped one continues
	// with a backslash.
	for _, want := range []string{
		"curl -x http://127.0.0.1:8080 --cacert /home/ada/.siphon/ca.pem \\\n      https://example.com/",
		"export HTTP_PROXY=http://127.0.0.1:8080 HTTPS_PROXY=http://127.0.0.1:8080",
		"--proxy-bypass-list='<-loopback>'",
		"/home/ada/.siphon/ca.pem",
		"http://siphon.cert/",
	} {
		if !strings.Contains(screen, want) {
			t.Errorf("the empty screen lacks %q:\n%s", want, screen)
		}
	}
	golden.RequireEqual(t, []byte(view))
}
