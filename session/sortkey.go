package session

import (
	"cmp"
	"strings"
)

// SortKey is an order a View can present flows in. Every order breaks ties
// by Seq, so it is total and stable as flows arrive.
type SortKey uint8

// Sort orders, in the order a UI cycles through them.
const (
	SortTime     SortKey = iota // arrival (Seq), which is request start
	SortMethod                  // request method, alphabetical
	SortURL                     // absolute URL, alphabetical
	SortStatus                  // response status; pending first, failures last
	SortSize                    // response (or stream) size
	SortDuration                // total duration; pending flows count as zero
	numSortKeys
)

var sortKeyNames = [...]string{"time", "method", "url", "status", "size", "duration"}

// String returns the order's name: "time", "method", "url", "status",
// "size" or "duration".
func (k SortKey) String() string {
	if int(k) < len(sortKeyNames) {
		return sortKeyNames[k]
	}
	return "unknown"
}

// Next returns the order after k, wrapping around.
func (k SortKey) Next() SortKey { return (k + 1) % numSortKeys }

// compare orders two snapshots by k, then by Seq.
func (k SortKey) compare(a, b *Flow) int {
	var c int
	switch k {
	case SortMethod:
		c = strings.Compare(method(a), method(b))
	case SortURL:
		c = strings.Compare(target(a), target(b))
	default:
		c = cmp.Compare(k.number(a), k.number(b))
	}
	if c != 0 {
		return c
	}
	return cmp.Compare(a.Seq, b.Seq)
}

// number is f's key in a numeric order; 0 for the text orders and time
// (which the Seq tie-break orders).
func (k SortKey) number(f *Flow) int64 {
	switch k {
	case SortStatus:
		return int64(statusKey(f))
	case SortSize:
		return f.Size()
	case SortDuration:
		return int64(f.Duration())
	}
	return 0
}

func method(f *Flow) string {
	if f.Request == nil {
		return ""
	}
	return f.Request.Method
}

func target(f *Flow) string {
	if f.Request == nil {
		return ""
	}
	return f.Request.URL
}

// statusKey puts flows without a response first and failed flows last.
func statusKey(f *Flow) int {
	switch {
	case f.Err != nil:
		return 1000
	case f.Response == nil:
		return 0
	}
	return f.Response.Status
}
