package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/siphonproxy/siphon/ui/style"
)

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

// FormatSize formats a byte count in binary units (siphon dump's lines use
// it too); see style.FormatSize.
func FormatSize(n int64) string { return style.FormatSize(n) }

// FormatDuration formats a duration in the unit that keeps it short; see
// style.FormatDuration.
func FormatDuration(d time.Duration) string { return style.FormatDuration(d) }
