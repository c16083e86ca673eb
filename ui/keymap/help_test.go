package keymap

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/siphonproxy/siphon/ui/style"
)

// The help's WebSocket intercept section lists A, which forwards every
// paused message.
func TestHelpWebSocketInterceptHasA(t *testing.T) {
	lines := HelpLines(Default(), style.NewStyles(style.DefaultTheme()), nil)
	in := false
	for _, l := range lines {
		l = ansi.Strip(l)
		switch {
		case l == string(ScopeMessageBreak):
			in = true
		case l == "":
			in = false
		case in && strings.HasPrefix(strings.TrimSpace(l), "A "):
			return
		}
	}
	t.Errorf("no A in the help's %q section:\n%s", ScopeMessageBreak, strings.Join(lines, "\n"))
}
