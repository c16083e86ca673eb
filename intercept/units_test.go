package intercept

import "testing"

func TestParseBandwidth(t *testing.T) {
	good := map[string]int64{
		"64kbit": 64_000, "1mbit": 1_000_000, "1.5 Mbit": 1_500_000, "2gbit": 2_000_000_000,
		"100bit": 100, "56kbps": 56_000, "10Mbps": 10_000_000,
		"100KB/s": 800_000, "1MiB/s": 8 << 20, "2kib/s": 16 << 10, "1b/s": 8,
	}
	for in, want := range good {
		got, err := ParseBandwidth(in)
		if err != nil || got != want {
			t.Errorf("ParseBandwidth(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "fast", "64", "-1mbit", "0kbit", "1bit", "kbit", "1e300gbit", "NaNmbit"} {
		if got, err := ParseBandwidth(in); err == nil {
			t.Errorf("ParseBandwidth(%q) = %d, want an error", in, got)
		}
	}
	for _, bits := range []int64{8, 999, 64_000, 1_000_000, 1_500_000, 3_000_000_000} {
		back, err := ParseBandwidth(FormatBandwidth(bits))
		if err != nil || back != bits {
			t.Errorf("%d -> %q -> %d, %v", bits, FormatBandwidth(bits), back, err)
		}
	}
}
