package prompt

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/siphonproxy/siphon/ui/style"
)

// Bar draws the status bar: the parts on the left (but empty ones),
// separated by dots, and msg on the right; the left is cut when both do
// not fit.
func Bar(left []string, msg string, width int, st style.Styles) string {
	parts := left[:0:0]
	for _, p := range left {
		if p != "" {
			parts = append(parts, p)
		}
	}
	l := " " + strings.Join(parts, " · ")
	r := ""
	if msg != "" {
		r = style.Printable(msg) + " "
	}
	gap := width - ansi.StringWidth(l) - ansi.StringWidth(r)
	if gap < 1 {
		l = ansi.Truncate(l, max(width-ansi.StringWidth(r)-1, 0), "…")
		gap = max(width-ansi.StringWidth(l)-ansi.StringWidth(r), 0)
	}
	return st.Bar.Render(style.Cell(l+strings.Repeat(" ", gap)+r, width))
}
