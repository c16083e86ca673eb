package session

import (
	"math"
	"time"
)

// Stamp is a moment of a flow's life as Unix nanoseconds of the wall clock;
// 0 means it did not happen. A session keeps thirteen per flow in memory:
// 8 bytes and no pointer each, where a time.Time is 24 bytes with one.
// Moments outside the years 1678 to 2262 are not representable.
type Stamp int64

// Now is the current moment of the wall clock.
func Now() Stamp { return Stamp(time.Now().UnixNano()) }

// StampOf returns t as a Stamp, or 0 for the zero Time.
func StampOf(t time.Time) Stamp {
	if t.IsZero() {
		return 0
	}
	return Stamp(t.UnixNano())
}

// Time returns s in the local time zone, or the zero Time for 0.
func (s Stamp) Time() time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(s))
}

// UnixNano returns s as Unix nanoseconds: the Stamp itself.
func (s Stamp) UnixNano() int64 { return int64(s) }

// IsZero reports whether s is 0: the moment did not happen.
func (s Stamp) IsZero() bool { return s == 0 }

// Add returns s+d.
func (s Stamp) Add(d time.Duration) Stamp { return s + Stamp(d) }

// Before reports whether s is earlier than t.
func (s Stamp) Before(t Stamp) bool { return s < t }

// Span returns b-a, or 0 when either moment is missing or b is before a.
// Like time.Time.Sub it saturates rather than overflow.
func Span(a, b Stamp) time.Duration {
	if a == 0 || b == 0 || b < a {
		return 0
	}
	if d := time.Duration(b - a); d >= 0 {
		return d
	}
	return math.MaxInt64
}
