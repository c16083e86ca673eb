package testutil

import (
	"testing"
	"time"
)

// ReceiveTimeout is how long Receive waits: long enough for a loaded
// machine, short enough that a lost value fails the test well before go
// test's own deadline.
const ReceiveTimeout = 20 * time.Second

// Receive returns the next value from ch. When none comes within
// ReceiveTimeout the test fails with "no WHAT within 20s": what names the
// awaited value ("answer to the client"). A closed channel gives its zero
// value at once, as a receive does.
func Receive[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	timer := time.NewTimer(ReceiveTimeout)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("no %s within %v", what, ReceiveTimeout)
	}
	var zero T
	return zero
}
