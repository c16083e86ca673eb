package session

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"0", 0},
		{"512", 512},
		{"10B", 10},
		{"10b", 10},
		{" 7 ", 7},

		{"1KB", 1000},
		{"1kb", 1000},
		{"1MB", 1_000_000},
		{"2GB", 2_000_000_000},
		{"1TB", 1_000_000_000_000},

		{"1KiB", 1024},
		{"64kib", 64 << 10},
		{"16MiB", 16 << 20},
		{"1GiB", 1 << 30},
		{"1TiB", 1 << 40},

		// Bare K, M, G, T: binary, as --body-limit always read them.
		{"1k", 1024},
		{"1K", 1024},
		{"1m", 1 << 20},
		{"1M", 1 << 20},
		{"2g", 2 << 30},
		{"1t", 1 << 40},

		{"16 MiB", 16 << 20},
		{"1.5MiB", 1_572_864},
		{"0.5KB", 500},
		{".5k", 512},
		{"5.", 5},
		{"1.1MB", 1_100_000}, // exact, where 1.1 * 1e6 in floats is not
		{"1.5", 2},           // rounded to the nearest byte
		{"0.0001KB", 0},
		{"8388607TiB", 8388607 << 40},
		{"9223372036854775807", math.MaxInt64},
		{"9223372036854775807B", math.MaxInt64},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParseSizeRejects(t *testing.T) {
	for _, tt := range []struct{ in, msg string }{
		{"", "want a number and a unit: B, KB"},
		{"MB", "want a number"},
		{"-1", "want a number"},
		{"+1", "want a number"},
		{"lots", "want a number"},
		{"NaN", "want a number"},
		{"inf", "want a number"},
		{"1XB", "unit must be one of B, KB MB GB TB (powers of 1000), K M G T or KiB MiB GiB TiB (powers of 1024)"},
		{"1e3", "unit must be one of"},
		{"9.9e3KB", "unit must be one of"},
		{"1,000", "unit must be one of"},
		{"1 000", "unit must be one of"},
		{"1MBs", "unit must be one of"},
		{"1mi", "unit must be one of"},
		{"1PB", "unit must be one of"},
		{".", `"." is not a number`},
		{".MB", `"." is not a number`},
		{"1.2.3MB", `bad size "1.2.3MB": "1.2.3" is not a number`},
		{"8388608TiB", `size "8388608TiB" is too large`},
		{"9223372036854775808", "too large"},
		{"99999999999999999999", "too large"},
		{"99999999999GB", "too large"},
		{"9999999999999999.5TB", "too large"},
		{"9223372036854775807.5", "too large"},
		{strings.Repeat("9", 100) + "x", `bad size "` + strings.Repeat("9", 39)},
	} {
		got, err := ParseSize(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("ParseSize(%q) = %d, %v; want an error with %q", tt.in, got, err, tt.msg)
		}
	}
}

// FuzzParseSize checks that ParseSize never panics nor returns a negative
// size, and that a size written back in bytes reads the same.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"512", "16MiB", "1.5 MB", "1m", ".5k", "9223372036854775807B", "1.2.3", "9.9e3KB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if err != nil {
			return
		}
		if n < 0 {
			t.Fatalf("ParseSize(%q) = %d", s, n)
		}
		back, err := ParseSize(strconv.FormatInt(n, 10) + "B")
		if err != nil || back != n {
			t.Fatalf("ParseSize(%q) = %d, but %dB reads as %d, %v", s, n, n, back, err)
		}
	})
}
