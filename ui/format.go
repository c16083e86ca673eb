package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

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

// printable makes untrusted text safe to draw: control characters (which
// could move the cursor or change colours behind the UI's back) become
// visible escapes, invalid UTF-8 becomes U+FFFD, and tabs become spaces.
func printable(s string) string {
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

// capText cuts s to at most n bytes (on a rune boundary), saying how much
// was left out.
func capText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("… [%s more]", FormatSize(int64(len(s)-cut)))
}

// shortType names a media type in a few letters for the list.
func shortType(ct string) string {
	if ct == "" {
		return ""
	}
	main, sub, _ := strings.Cut(ct, "/")
	switch {
	case strings.Contains(sub, "json"):
		return "json"
	case sub == "html" || sub == "xhtml+xml":
		return "html"
	case strings.Contains(sub, "javascript") || sub == "ecmascript":
		return "js"
	case sub == "css":
		return "css"
	case strings.Contains(sub, "xml"):
		return "xml"
	case sub == "x-www-form-urlencoded":
		return "form"
	case strings.HasPrefix(sub, "multipart") || main == "multipart":
		return "multi"
	case sub == "event-stream":
		return "sse"
	case main == "image":
		return "img"
	case main == "font" || strings.Contains(sub, "font"):
		return "font"
	case main == "video" || main == "audio":
		return main[:3]
	case main == "text":
		return "text"
	case sub == "octet-stream":
		return "bin"
	case sub == "wasm":
		return "wasm"
	}
	if len(sub) > 5 {
		sub = sub[:5]
	}
	return sub
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
