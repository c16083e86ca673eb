package intercept

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// bandwidthUnits are the rates a throttle accepts, in bits per second.
// Network speeds are quoted in decimal bits (a "1 Mbit" line carries
// 1,000,000 bits a second); byte rates are accepted for those who think in
// file sizes.
var bandwidthUnits = []struct {
	suffix string
	bits   float64
}{
	{"gbit", 1e9}, {"mbit", 1e6}, {"kbit", 1e3}, {"bit", 1},
	{"gbps", 1e9}, {"mbps", 1e6}, {"kbps", 1e3}, {"bps", 1},
	{"gib/s", 8 << 30}, {"mib/s", 8 << 20}, {"kib/s", 8 << 10},
	{"gb/s", 8e9}, {"mb/s", 8e6}, {"kb/s", 8e3}, {"b/s", 8},
}

// ParseBandwidth reads a rate such as "64kbit", "1.5mbit" or "100KiB/s"
// and returns it in bits per second.
func ParseBandwidth(s string) (int64, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	for _, u := range bandwidthUnits {
		num, ok := strings.CutSuffix(v, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || n <= 0 || n*u.bits > 1e15 {
			break
		}
		bits := int64(n * u.bits)
		if bits < 8 {
			return 0, fmt.Errorf("bandwidth %q is below one byte per second", s)
		}
		return bits, nil
	}
	return 0, fmt.Errorf("bad bandwidth %q: want a positive number and a unit: kbit, mbit, gbit (per second), or KB/s, MB/s, KiB/s, MiB/s", s)
}

// FormatBandwidth writes bits per second the way ParseBandwidth reads it.
func FormatBandwidth(bits int64) string {
	switch {
	case bits >= 1e9 && bits%1e9 == 0:
		return strconv.FormatInt(bits/1e9, 10) + "gbit"
	case bits >= 1e6 && bits%1e6 == 0:
		return strconv.FormatInt(bits/1e6, 10) + "mbit"
	case bits >= 1e3 && bits%1e3 == 0:
		return strconv.FormatInt(bits/1e3, 10) + "kbit"
	}
	return strconv.FormatInt(bits, 10) + "bit"
}

// parseDelay reads a non-negative duration such as "300ms" or "2s".
func parseDelay(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("bad duration %q: want a number and a unit, e.g. 300ms or 2s", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("bad duration %q: must not be negative", s)
	}
	return d, nil
}
