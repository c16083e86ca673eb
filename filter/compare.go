package filter

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/siphonproxy/siphon/session"
)

// cmpOp is a comparison operator of ~c, ~dur and ~size.
type cmpOp uint8

const (
	opEQ cmpOp = iota
	opNE
	opLT
	opLE
	opGT
	opGE
)

// comparison is "value op n".
type comparison struct {
	op cmpOp
	n  int64
}

func (c comparison) holds(v int64) bool {
	switch c.op {
	case opNE:
		return v != c.n
	case opLT:
		return v < c.n
	case opLE:
		return v <= c.n
	case opGT:
		return v > c.n
	case opGE:
		return v >= c.n
	}
	return v == c.n
}

// unit is a suffix of a number and what it multiplies it by.
type unit struct {
	name string
	mult int64
}

// durationUnits are matched exactly; "" is the unit of a bare number.
var durationUnits = [...]unit{
	{"", 1e6}, {"ns", 1}, {"us", 1e3}, {"µs", 1e3}, {"μs", 1e3},
	{"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9},
}

// parseValue reads the number after a comparison for def. It returns a
// message instead of an error so that the parser can place it.
func parseValue(def *opDef, s string) (int64, string) {
	switch def.Arg {
	case ArgStatus:
		if s == "" {
			return 0, def.Name + " needs a status code, like 404 or >=500"
		}
		n, err := strconv.ParseUint(s, 10, 16)
		if err != nil || n > 999 {
			return 0, fmt.Sprintf("bad status code %.40q", s)
		}
		return int64(n), ""
	case ArgDuration:
		if s == "" {
			return 0, def.Name + " needs a duration, like >500ms"
		}
		return scale(s, "duration", durationUnits[:], "ns, us, ms, s, m, h")
	default:
		if s == "" {
			return 0, def.Name + " needs a size, like >1MB"
		}
		// The one size parser, so that ~size reads what --body-limit does.
		n, err := session.ParseSize(s)
		if err != nil {
			return 0, err.Error()
		}
		return n, ""
	}
}

// scale parses a decimal number followed by one of units.
func scale(s, what string, units []unit, names string) (int64, string) {
	end := 0
	for end < len(s) && ('0' <= s[end] && s[end] <= '9' || s[end] == '.') {
		end++
	}
	num, suffix := s[:end], s[end:]
	if num == "" {
		return 0, fmt.Sprintf("bad %s %.40q: want a number and a unit", what, s)
	}
	var mult int64 = -1
	for _, u := range units {
		if suffix == u.name {
			mult = u.mult
			break
		}
	}
	if mult < 0 {
		return 0, fmt.Sprintf("bad %s %.40q: unit must be one of %s", what, s, names)
	}
	if !strings.Contains(num, ".") {
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			return 0, fmt.Sprintf("bad %s %.40q", what, s)
		}
		if n > math.MaxInt64/mult {
			return 0, fmt.Sprintf("%s %.40q is too large", what, s)
		}
		return n * mult, ""
	}
	if num == "." || strings.Count(num, ".") > 1 {
		return 0, fmt.Sprintf("bad %s %.40q", what, s)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Sprintf("bad %s %.40q", what, s)
	}
	v := math.Round(f * float64(mult))
	if v >= math.MaxInt64 {
		return 0, fmt.Sprintf("%s %.40q is too large", what, s)
	}
	return int64(v), ""
}

// Values compared by the numeric operators; false means the flow has none.

func flowStatus(f *session.Flow) (int64, bool) {
	if f.Response == nil {
		return 0, false
	}
	return int64(f.Response.Status), true
}

// flowDuration has no value until the flow completes: a pending flow is
// not "faster than 100ms".
func flowDuration(f *session.Flow) (int64, bool) {
	if f.Timings.Complete.IsZero() || f.Start().IsZero() {
		return 0, false
	}
	return int64(f.Duration()), true
}

// flowSize has no value before a response or stream traffic exists.
func flowSize(f *session.Flow) (int64, bool) {
	if f.Response == nil && f.Stream == nil {
		return 0, false
	}
	return f.Size(), true
}
