package main

import (
	"testing"

	"github.com/siphonproxy/siphon/filter"
	"github.com/siphonproxy/siphon/session"
)

// TestBodyLimitAndSizeFilterAgree checks that a size typed for --body-limit
// and for ~size means the same number of bytes: ~size >=S and ~size <=S
// both hold for a flow of exactly --body-limit S bytes, and only for it.
func TestBodyLimitAndSizeFilterAgree(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
	}{
		{"512", 512},
		{"10b", 10},
		{"1k", 1 << 10},
		{"1KB", 1000},
		{"1kib", 1 << 10},
		{"1m", 1 << 20},
		{"1M", 1 << 20},
		{"1MB", 1_000_000},
		{"16MiB", 16 << 20},
		{"1.5MiB", 3 << 19},
		{"2g", 2 << 30},
		{"1GB", 1_000_000_000},
		{"1TiB", 1 << 40},
	} {
		var limit byteSize
		if err := limit.Set(tt.in); err != nil || int64(limit) != tt.want {
			t.Errorf("--body-limit %s = %d, %v; want %d", tt.in, limit, err, tt.want)
			continue
		}
		for _, c := range []struct {
			expr string
			size int64
			want bool
		}{
			{"~size >=" + tt.in, tt.want, true},
			{"~size >=" + tt.in, tt.want - 1, false},
			{"~size <=" + tt.in, tt.want, true},
			{"~size <=" + tt.in, tt.want + 1, false},
		} {
			f, err := filter.Parse(c.expr)
			if err != nil {
				t.Errorf("filter %q: %v; --body-limit accepts %q", c.expr, err, tt.in)
				break
			}
			fl := &session.Flow{Response: &session.Response{Status: 200, Body: session.Body{Size: c.size}}}
			if got := f.Match(fl); got != c.want {
				t.Errorf("filter %q on %d bytes = %v, want %v (--body-limit %s is %d bytes)",
					c.expr, c.size, got, c.want, tt.in, tt.want)
			}
		}
	}
}

// TestBodyLimitRejects checks that the flag refuses what the old parser let
// through float parsing: NaN and infinity became absurd limits.
func TestBodyLimitRejects(t *testing.T) {
	for _, in := range []string{"lots", "-1", "NaN", "inf", "1e3", "1XB", "99999999999GB"} {
		var limit byteSize
		if err := limit.Set(in); err == nil {
			t.Errorf("--body-limit %s = %d, want an error", in, limit)
		}
	}
}
