//go:build unix

package main

import (
	"runtime"
	"testing"
	"time"
)

// fatalRecorder is a testing.TB whose Fatalf is recorded instead of
// failing the test; like the real one, it ends the goroutine calling it.
type fatalRecorder struct {
	testing.TB
	fatal string
}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.fatal = format
	runtime.Goexit()
}

// A siphon that hangs where a failed start was expected is killed at the
// limit and fails the test: its exit code (-1) is no failed start.
func TestDetachedRunFailsWhenKilledAtTheLimit(t *testing.T) {
	rec := &fatalRecorder{TB: t}
	ended := make(chan int, 1)
	go func() {
		code := 0
		defer func() { ended <- code }()
		// dump runs until it is signalled: it hangs as far as this test is concerned.
		_, _, code = runDetached(rec, 100*time.Millisecond, "dump", "--listen", "127.0.0.1:0", "--home", t.TempDir())
	}()
	select {
	case code := <-ended:
		if rec.fatal == "" {
			t.Errorf("a siphon killed at the limit passed as exit code %d", code)
		}
	case <-time.After(time.Minute):
		t.Fatal("the run did not end at its limit")
	}
}
