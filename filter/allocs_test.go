//go:build !race

package filter

import "testing"

// TestMatchAllocs checks that operators that do not read bodies match
// without allocating. The race detector's sync.Pool drops items on
// purpose, so this file is built only without it (go test ./... runs it).
func TestMatchAllocs(t *testing.T) {
	fl := baseFlow()
	for _, expr := range []string{
		"~m POST & ~d example & ~c 200",
		`~u /v[0-9]+/users`,
		`~d "^api\.example\.com$"`,
		"~h nginx | ~hq curl",
		`~h "^server: ngin.$"`,
		"~t json ~a ~s !~q ~http",
		"~src 127 ~dst 8443 ~comment x",
		"~dur >100ms ~size <1MB",
		"!~e & ~all & !~marked & !~websocket & !~replay",
		"!~grpc & !~http2",
	} {
		f, err := Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		f.Match(fl) // warm the header buffer pool
		if n := testing.AllocsPerRun(100, func() { f.Match(fl) }); n != 0 {
			t.Errorf("%q: %v allocations per Match, want 0", expr, n)
		}
	}
}
