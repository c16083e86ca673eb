package replay

import (
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	if p := percentile(d, 0.5); p != 50*time.Millisecond {
		t.Errorf("p50 = %v", p)
	}
	if p := percentile(d, 0.95); p != 95*time.Millisecond {
		t.Errorf("p95 = %v", p)
	}
	if p := percentile(d[:1], 0.95); p != time.Millisecond {
		t.Errorf("p95 of one = %v", p)
	}
	if p := percentile(nil, 0.5); p != 0 {
		t.Errorf("p50 of none = %v", p)
	}
	s := Summary{Count: 3, Errors: 1, Statuses: map[int]int{200: 2, 502: 1}, P50: 1500 * time.Microsecond, P95: 2 * time.Second, Max: 2 * time.Second}
	if got, want := s.String(), "3 sent, 1 errors, p50 1.5ms, p95 2s, max 2s; 2×200 1×502"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	if !strings.Contains(Summary{}.String(), "0 sent") {
		t.Error("empty summary")
	}
}
