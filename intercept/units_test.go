package intercept

import (
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

func TestParseBandwidth(t *testing.T) {
	good := map[string]int64{
		"64kbit": 64_000, "1mbit": 1_000_000, "1.5 Mbit": 1_500_000, "2gbit": 2_000_000_000,
		"100bit": 100, "56kbps": 56_000, "10Mbps": 10_000_000, ".5kbit": 500,
		"100KB/s": 800_000, "1MiB/s": 8 << 20, "2kib/s": 16 << 10, "1b/s": 8,
		// Byte rates read their size as --body-limit and ~size do.
		"1m/s": 8 << 20, "1M/s": 8 << 20, "1k/s": 8 << 10, "1.5MB/s": 12_000_000,
		"1 KiB/s": 8 << 10, "100/s": 800, "2TB/s": 16e12, "1KB/S": 8000,
	}
	for in, want := range good {
		got, err := ParseBandwidth(in)
		if err != nil || got != want {
			t.Errorf("ParseBandwidth(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for in, msg := range map[string]string{
		"":            "want a positive number and a unit: kbit",
		"fast":        "want a positive number and a unit: kbit",
		"64":          "want a positive number and a unit: kbit",
		"-1mbit":      "want a positive number",
		"0kbit":       "below one byte per second",
		"1bit":        "below one byte per second",
		"kbit":        "want a positive number",
		"1e300gbit":   "want a positive number",
		"NaNmbit":     "want a positive number",
		"1kkbit":      "want a positive number",
		"2pbit":       "want a positive number",
		"1001tbps":    "want a positive number",
		"1tbit":       "want a positive number",
		"1kibit":      "want a positive number",
		"1 k k bit":   "want a positive number",
		"1000001gbit": "too large",
		"200TB/s":     "too large",
		"0KB/s":       "below one byte per second",
		"/s":          `bad size "": want a number`,
		"1XB/s":       `bad bandwidth "1XB/s": bad size "1XB": unit must be one of B, KB`,
		"1e3KB/s":     "unit must be one of",
		"NaNKB/s":     "want a number",
		"-1KB/s":      "want a number",
		"1mbit/s":     "unit must be one of",
	} {
		if got, err := ParseBandwidth(in); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseBandwidth(%q) = %d, %v; want an error with %q", in, got, err, msg)
		}
	}
	for _, bits := range []int64{8, 999, 64_000, 1_000_000, 1_500_000, 3_000_000_000} {
		back, err := ParseBandwidth(FormatBandwidth(bits))
		if err != nil || back != bits {
			t.Errorf("%d -> %q -> %d, %v", bits, FormatBandwidth(bits), back, err)
		}
	}
}

// TestBandwidthSizeAgree checks that a byte rate S/s is eight times the
// size S as session.ParseSize (and so --body-limit and ~size) reads it.
func TestBandwidthSizeAgree(t *testing.T) {
	for _, size := range []string{"1", "10B", "1k", "1K", "1KB", "1kib", "1m", "1MB", "16MiB", "1.5MiB", "2g", "1GB", "1GiB"} {
		n, err := session.ParseSize(size)
		if err != nil {
			t.Fatalf("ParseSize(%q): %v", size, err)
		}
		bits, err := ParseBandwidth(size + "/s")
		if err != nil || bits != 8*n {
			t.Errorf("ParseBandwidth(%q) = %d, %v; want 8 × %d", size+"/s", bits, err, n)
		}
	}
}
