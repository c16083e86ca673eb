package style

import "testing"

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0 paused messages", 1: "1 paused message", 2: "2 paused messages"} {
		if got := Count(n, "paused message"); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}
