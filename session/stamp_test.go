package session

import (
	"math"
	"testing"
	"time"
)

func TestStampTime(t *testing.T) {
	if s := StampOf(time.Time{}); s != 0 || !s.IsZero() || !s.Time().IsZero() {
		t.Errorf("zero Time: stamp %d, back %v", s, s.Time())
	}
	for _, tm := range []time.Time{
		time.Date(2026, 3, 14, 9, 26, 53, 123456789, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 55, 0, time.UTC), // before 1970
		time.Now(),
	} {
		s := StampOf(tm)
		if s.IsZero() || !s.Time().Equal(tm) || s.UnixNano() != tm.UnixNano() {
			t.Errorf("%v: stamp %d reads back as %v", tm, s, s.Time())
		}
	}
	if now := Now(); now.IsZero() || time.Since(now.Time()) < 0 {
		t.Errorf("Now() = %d", now)
	}
}

func TestSpan(t *testing.T) {
	a := StampOf(time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC))
	for _, c := range []struct {
		a, b Stamp
		want time.Duration
	}{
		{a, a.Add(42 * time.Millisecond), 42 * time.Millisecond},
		{a, a, 0},
		{a.Add(time.Second), a, 0}, // b before a
		{0, a, 0},                  // a did not happen
		{a, 0, 0},                  // b did not happen
		{-5, 5, 10},                // across 1970
		{math.MinInt64 + 1, math.MaxInt64, math.MaxInt64}, // saturates like time.Time.Sub
	} {
		if got := Span(c.a, c.b); got != c.want {
			t.Errorf("Span(%d, %d) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
	if !a.Before(a.Add(1)) || a.Before(a) {
		t.Error("Before is not strict order")
	}
}
