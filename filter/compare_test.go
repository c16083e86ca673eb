package filter

import (
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/session"
)

func TestParseValue(t *testing.T) {
	tests := []struct {
		op   string
		in   string
		want int64
	}{
		{"~c", "200", 200},
		{"~c", "0", 0},
		{"~c", "999", 999},

		{"~dur", "500", int64(500 * time.Millisecond)},
		{"~dur", "0.5", int64(500 * time.Microsecond)},
		{"~dur", "500ms", int64(500 * time.Millisecond)},
		{"~dur", "1.5s", int64(1500 * time.Millisecond)},
		{"~dur", "2m", int64(2 * time.Minute)},
		{"~dur", "1h", int64(time.Hour)},
		{"~dur", "10us", int64(10 * time.Microsecond)},
		{"~dur", "10µs", int64(10 * time.Microsecond)},
		{"~dur", "10μs", int64(10 * time.Microsecond)}, // Greek mu
		{"~dur", "7ns", 7},
		{"~dur", "0", 0},
		{"~dur", ".25s", int64(250 * time.Millisecond)},

		{"~size", "10", 10},
		{"~size", "10B", 10},
		{"~size", "10b", 10},
		{"~size", "1KB", 1000},
		{"~size", "1kb", 1000},
		{"~size", "1KiB", 1024},
		{"~size", "1kib", 1024},
		{"~size", "1.5MiB", 1572864},
		{"~size", "1MB", 1000000},
		{"~size", "2GB", 2000000000},
		{"~size", "1GiB", 1 << 30},
		{"~size", "1TB", 1e12},
		{"~size", "0.5KB", 500},
		// Bare K, M, G: binary, as --body-limit reads them (session.ParseSize).
		{"~size", "1k", 1 << 10},
		{"~size", "1m", 1 << 20},
		{"~size", "1M", 1 << 20},
		{"~size", "2g", 2 << 30},
		{"~size", "1TiB", 1 << 40},
	}
	for _, tt := range tests {
		got, msg := parseValue(lookup(tt.op), tt.in)
		if msg != "" || got != tt.want {
			t.Errorf("parseValue(%s, %q) = %d, %q; want %d", tt.op, tt.in, got, msg, tt.want)
		}
	}
	for _, bad := range []struct{ op, in, msg string }{
		{"~c", "", "needs a status code"},
		{"~c", "2x", "bad status code"},
		{"~c", "+1", "bad status code"},
		{"~c", "65536", "bad status code"},
		{"~dur", "5MS", "unit must be one of"},
		{"~dur", "5 ms", "unit must be one of"},
		{"~dur", "ms", "want a number"},
		{"~dur", ".", "bad duration"},
		{"~dur", "1..2s", "bad duration"},
		{"~dur", "9999999999999h", "too large"},
		{"~dur", "99999999999999999999", "bad duration"},
		{"~size", "1XB", "unit must be one of"},
		{"~size", "KB", "want a number"},
		{"~size", "9.9e3KB", "unit must be one of"},
		{"~size", "99999999999GB", "too large"},
		{"~size", "9999999999999999.5TB", "too large"},
	} {
		if got, msg := parseValue(lookup(bad.op), bad.in); !strings.Contains(msg, bad.msg) {
			t.Errorf("parseValue(%s, %q) = %d, %q; want an error with %q", bad.op, bad.in, got, msg, bad.msg)
		}
	}
}

// TestSizeBareUnit is the filter a user typed after --body-limit 1m: it
// was refused.
func TestSizeBareUnit(t *testing.T) {
	for expr, want := range map[string]string{
		"~size >1m":    "~size >1048576B",
		"~size<=16MiB": "~size <=16777216B",
		"~size >1.5k":  "~size >1536B",
	} {
		f, err := Parse(expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", expr, err)
			continue
		}
		if got := format(f.root); got != want {
			t.Errorf("Parse(%q) = %s, want %s", expr, got, want)
		}
	}
}

func TestComparisons(t *testing.T) {
	fl := baseFlow() // status 200, 250ms, 22 bytes of response body
	tests := []struct {
		expr string
		want bool
	}{
		{"~c 200", true},
		{"~c =200", true},
		{"~c ==200", true},
		{"~c = 200", true},
		{"~c=200", true},
		{"~c != 200", false},
		{"~c!=201", true},
		{"~c <200", false},
		{"~c <=200", true},
		{"~c >199", true},
		{"~c >=201", false},
		{"~c<=200", true},

		{"~dur>500ms", false},
		{"~dur >200ms", true},
		{"~dur > 200ms", true},
		{"~dur >0.2s", true},
		{"~dur <=250000us", true},
		{"~dur <250000us", false},
		{"~dur 250ms", true},
		{"~dur = 250", true},
		{"~dur >1m", false},
		{"~dur<1h", true},

		{"~size 22", true},
		{"~size >=22B", true},
		{"~size >22", false},
		{"~size <1KB", true},
		{"~size>1MB", false},
		{"~size != 0", true},

		// A comparison is followed by the rest of the expression as usual.
		{"~c 200 ~m POST", true},
		{"~c >=200&~c<300", true},
		{"~dur >1s|~size <1KB", true},
		{"(~dur >1s)", false},
		{"!~c 200", false},
	}
	for _, tt := range tests {
		f, err := Parse(tt.expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.expr, err)
			continue
		}
		if got := f.Match(fl); got != tt.want {
			t.Errorf("Parse(%q).Match = %v, want %v", tt.expr, got, tt.want)
		}
	}
}

func TestComparisonsWithoutValue(t *testing.T) {
	pending := baseFlow()
	pending.Response, pending.Timings.Complete = nil, 0
	tunnel := &session.Flow{Kind: session.Tunnel, Stream: &session.StreamStats{BytesUp: 10, BytesDown: 20}}
	for _, tt := range []struct {
		expr string
		fl   *session.Flow
		want bool
	}{
		// A pending flow has no status, size or duration: no comparison
		// holds, not even a negative one.
		{"~c != 200", pending, false},
		{"~dur <1s", pending, false},
		{"~dur >=0", pending, false},
		{"~size <1KB", pending, false},
		{"!~size <1KB", pending, true},
		// A tunnel's size is its traffic; it has no duration without times.
		{"~size 30", tunnel, true},
		{"~dur >=0", tunnel, false},
	} {
		f, err := Parse(tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Match(tt.fl); got != tt.want {
			t.Errorf("Parse(%q).Match = %v, want %v", tt.expr, got, tt.want)
		}
	}
}
