package ui

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/style"
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

// TestIntroAddresses checks the intro on a listener on every interface
// (the address a client dials is loopback), with a CA path that needs
// quoting, and read only.
func TestIntroAddresses(t *testing.T) {
	st := style.NewStyles(style.DefaultTheme())
	text := func(in intro, width int) string { return ansi.Strip(strings.Join(in.lines(st, width), "\n")) }
	got := text(intro{listen: "0.0.0.0:9090", caPath: "/Users/Ada Lovelace/.siphon/ca.pem"}, 200)
	for _, want := range []string{"curl -x http://127.0.0.1:9090 --cacert '/Users/Ada Lovelace/.siphon/ca.pem' https://example.com/",
		"--proxy-server=127.0.0.1:9090"} {
		if !strings.Contains(got, want) {
			t.Errorf("intro lacks %q:\n%s", want, got)
		}
	}
	if got := text(intro{listen: "[::]:8080"}, 200); !strings.Contains(got, "http://[::1]:8080") || !strings.Contains(got, "siphon ca path") {
		t.Errorf("intro on [::]:\n%s", got)
	}
	if got := text(intro{listen: "127.0.0.1:8080", readOnly: true}, 80); got != "  the session holds no flows" {
		t.Errorf("read-only intro = %q", got)
	}
	// Narrow: every line fits, and commands wrap with backslashes.
	for _, l := range strings.Split(text(intro{listen: "127.0.0.1:8080", caPath: "/home/ada/.siphon/ca.pem"}, 40), "\n") {
		if w := ansi.StringWidth(l); w > 40 && !strings.Contains(l, "HTTPS_PROXY=") && !strings.Contains(l, "--proxy-bypass") {
			t.Errorf("line %q is %d wide at 40", l, w)
		}
	}
}
