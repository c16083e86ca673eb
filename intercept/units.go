package intercept

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/siphonproxy/siphon/session"
)

// bitScale returns the decimal size unit that scales a number as the bit
// rate prefix c does (a "1 Mbit" line carries 1,000,000 bits a second), so
// that the number is read by session.ParseSize as every size in siphon is;
// "" if c is no prefix.
func bitScale(c byte) string {
	switch c | 0x20 { // ASCII lower case
	case 'k':
		return "KB"
	case 'm':
		return "MB"
	case 'g':
		return "GB"
	}
	return ""
}

// maxBandwidth is the fastest throttle ParseBandwidth accepts, in bits per
// second: a petabit throttles nothing.
const maxBandwidth = 1e15

// ParseBandwidth reads a rate and returns it in bits per second: a number
// and a bit unit ("64kbit", "1.5 mbit", "10Mbps"), or a size per second
// for those who think in file sizes ("100KB/s", "1MiB/s", "1m/s"), the size
// read by session.ParseSize exactly as --body-limit and ~size read it.
func ParseBandwidth(s string) (int64, error) {
	v := strings.TrimSpace(s)
	var bits int64
	if size, ok := cutSuffixFold(v, "/s"); ok {
		n, err := session.ParseSize(size)
		if err != nil {
			return 0, fmt.Errorf("bad bandwidth %q: %w", s, err)
		}
		if n > maxBandwidth/8 {
			return 0, fmt.Errorf("bandwidth %q is too large: at most %d bits per second", s, int64(maxBandwidth))
		}
		bits = n * 8
	} else {
		var err error
		if bits, err = parseBits(v); err != nil {
			return 0, fmt.Errorf("bad bandwidth %q: %w", s, err)
		}
	}
	if bits > maxBandwidth {
		return 0, fmt.Errorf("bandwidth %q is too large: at most %d bits per second", s, int64(maxBandwidth))
	}
	if bits < 8 {
		return 0, fmt.Errorf("bandwidth %q is below one byte per second", s)
	}
	return bits, nil
}

// parseBits reads a number, an optional k, m or g, and "bit" or "bps".
func parseBits(v string) (int64, error) {
	num, ok := cutSuffixFold(v, "bit")
	if !ok {
		num, ok = cutSuffixFold(v, "bps")
	}
	if ok {
		num = strings.TrimSpace(num)
		scale := "B"
		if i := len(num) - 1; i >= 0 && bitScale(num[i]) != "" {
			scale, num = bitScale(num[i]), strings.TrimSpace(num[:i])
		}
		if num != "" && strings.Trim(num, "0123456789.") == "" {
			if bits, err := session.ParseSize(num + scale); err == nil {
				return bits, nil
			}
		}
	}
	return 0, errors.New("want a positive number and a unit: kbit, mbit, gbit (bits per second; or kbps, mbps, gbps), " +
		"or a size per second such as 100KB/s or 1MiB/s (sizes in " + session.SizeUnits + ")")
}

// cutSuffixFold is strings.CutSuffix ignoring ASCII case.
func cutSuffixFold(s, suffix string) (string, bool) {
	if len(s) < len(suffix) || !strings.EqualFold(s[len(s)-len(suffix):], suffix) {
		return s, false
	}
	return s[:len(s)-len(suffix)], true
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
