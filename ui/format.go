package ui

import (
	"time"

	"github.com/siphonproxy/siphon/ui/style"
)

// FormatSize formats a byte count in binary units (siphon dump's lines use
// it too); see style.FormatSize.
func FormatSize(n int64) string { return style.FormatSize(n) }

// FormatDuration formats a duration in the unit that keeps it short; see
// style.FormatDuration.
func FormatDuration(d time.Duration) string { return style.FormatDuration(d) }

// Count is n and a noun, plural unless n is 1 ("1 rule"); see style.Count.
func Count(n int, noun string) string { return style.Count(n, noun) }
