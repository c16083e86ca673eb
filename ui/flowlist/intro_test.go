package flowlist

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/siphonproxy/siphon/ui/style"
)

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

// With --proxy-auth, the example commands carry the user name: curl asks
// for the password, and the environment shows where it goes.
func TestIntroWithProxyUser(t *testing.T) {
	st := style.NewStyles(style.DefaultTheme())
	got := ansi.Strip(strings.Join(intro{listen: "0.0.0.0:8080", caPath: "/home/ada/.siphon/ca.pem", user: "ada"}.lines(st, 200), "\n"))
	for _, want := range []string{"curl -x http://127.0.0.1:8080 --proxy-user ada --cacert",
		"export HTTP_PROXY=http://ada:PASSWORD@127.0.0.1:8080 HTTPS_PROXY=http://ada:PASSWORD@127.0.0.1:8080"} {
		if !strings.Contains(got, want) {
			t.Errorf("intro lacks %q:\n%s", want, got)
		}
	}
}
