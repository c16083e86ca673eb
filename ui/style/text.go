package style

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// Cell pads or cuts s to exactly w cells, with an ellipsis when cut.
func Cell(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if len(s) > 4*w+16 {
		s = s[:4*w+16] // a 20 KB URL is cut before it is measured
	}
	if ansi.StringWidth(s) > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-ansi.StringWidth(s))
}

// RCell is cell aligned to the right.
func RCell(s string, w int) string {
	if ansi.StringWidth(s) >= w {
		return Cell(s, w)
	}
	return strings.Repeat(" ", w-ansi.StringWidth(s)) + s
}

// PadLines makes s exactly h lines, each at most w cells.
func PadLines(s string, w, h int) string {
	return lipgloss.NewStyle().Width(w).Height(h).MaxHeight(h).MaxWidth(w).Render(s)
}

// FormatSize formats a byte count in binary units: 512B, 1.5KiB, 50.0MiB.
// siphon's other outputs (siphon dump's lines) use it too.
func FormatSize(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%dB", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1fKiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1fMiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.2fGiB", float64(n)/(1<<30))
}

// FormatDuration formats a duration in the unit that keeps it short.
func FormatDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}

// Printable makes untrusted text safe to draw: control characters (which
// could move the cursor or change colours behind the UI's back) become
// visible escapes, invalid UTF-8 becomes U+FFFD, and tabs become spaces.
func Printable(s string) string {
	clean := true
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		switch {
		case r == '\t':
			b.WriteString("    ")
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				fmt.Fprintf(&b, "\\x%02x", s[i])
			} else {
				b.WriteRune(r)
			}
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// CapText cuts s to at most n bytes (on a rune boundary), saying how much
// was left out.
func CapText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("… [%s more]", FormatSize(int64(len(s)-cut)))
}

// Overlay draws lines over the bottom of a screen.
func Overlay(screen string, lines []string) string {
	rows := strings.Split(screen, "\n")
	start := max(len(rows)-len(lines), 0)
	for i := start; i < len(rows); i++ {
		rows[i] = lines[i-start+len(lines)-(len(rows)-start)]
	}
	return strings.Join(rows, "\n")
}

// Count is n and a noun, the noun plural unless n is 1: "1 flow",
// "3 paused messages" (the last word takes the s).
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
