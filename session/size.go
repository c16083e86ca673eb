package session

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// SizeUnits names the units ParseSize accepts, for help and error texts.
const SizeUnits = "B, KB MB GB TB (powers of 1000), K M G T or KiB MiB GiB TiB (powers of 1024), in any letter case"

// sizeUnits are ParseSize's units, lower-cased; "" is a bare number's.
var sizeUnits = [...]struct {
	name string
	mult int64
}{
	{"", 1}, {"b", 1},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40},
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
}

// ParseSize reads a byte count: a decimal number, optionally with a
// fraction, then optionally a unit from SizeUnits, with or without a space
// between them: "512", "64KiB", "16MiB", "1.5 MB", "1m". It is the one
// reading of sizes in siphon (--body-limit, the filter's ~size, a throttle's
// byte rates), so that a size typed in one place means the same elsewhere.
//
// KB and its kin are decimal, as sizes are displayed; KiB and its kin are
// binary. A bare K, M, G or T is binary, as --body-limit has always read it
// (and as curl's --limit-rate and --max-filesize do).
// Fractions are rounded to the nearest byte. Signs, exponents, digit
// separators and sizes above math.MaxInt64 are errors.
//
// github.com/dustin/go-humanize's ParseBytes reads a bare "1m" as 10^6
// bytes, which would silently change every --body-limit already typed, and
// accepts commas and sizes beyond int64: hence a parser of our own.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	end := 0
	for end < len(t) && ('0' <= t[end] && t[end] <= '9' || t[end] == '.') {
		end++
	}
	num, unit := t[:end], strings.TrimLeft(t[end:], " \t")
	if num == "" {
		return 0, fmt.Errorf("bad size %.40q: want a number and a unit: %s", s, SizeUnits)
	}
	mult := int64(-1)
	for _, u := range sizeUnits {
		if strings.EqualFold(unit, u.name) {
			mult = u.mult
			break
		}
	}
	if mult < 0 {
		return 0, fmt.Errorf("bad size %.40q: unit must be one of %s", s, SizeUnits)
	}
	whole, frac, _ := strings.Cut(num, ".")
	if strings.Contains(frac, ".") || whole == "" && frac == "" {
		return 0, fmt.Errorf("bad size %.40q: %q is not a number", s, num)
	}
	var n int64
	if whole != "" {
		w, err := strconv.ParseInt(whole, 10, 64)
		if err != nil { // only digits reach here: it is out of range
			return 0, sizeTooLarge(s)
		}
		if w > math.MaxInt64/mult {
			return 0, sizeTooLarge(s)
		}
		n = w * mult
	}
	if frac != "" {
		// The whole part stays exact; a float64 is exact enough for the
		// fraction of one unit (at most 2^40 bytes).
		f, err := strconv.ParseFloat("0."+frac, 64)
		if err != nil {
			return 0, fmt.Errorf("bad size %.40q: %q is not a number", s, num)
		}
		part := int64(math.Round(f * float64(mult)))
		if n > math.MaxInt64-part {
			return 0, sizeTooLarge(s)
		}
		n += part
	}
	return n, nil
}

func sizeTooLarge(s string) error {
	return fmt.Errorf("size %.40q is too large: at most %d bytes", s, int64(math.MaxInt64))
}
