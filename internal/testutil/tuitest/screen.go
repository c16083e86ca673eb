// Package tuitest holds helpers for tests that drive siphon's Bubble Tea UI
// through teatest. It is apart from testutil so that only the tests that
// run the UI build teatest and Bubble Tea.
package tuitest

import (
	"bytes"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"
)

// WaitScreen waits until the program has drawn everything in want, and
// fails the test after 30 seconds. It reads the output drawn since the
// previous wait on tm, so each string may be in a different frame and
// need not be on the screen any more. The output is checked every 5 ms:
// a frame can replace another sooner than teatest's default 50 ms.
func WaitScreen(t testing.TB, tm *teatest.TestModel, want ...string) {
	t.Helper()
	// WaitFor hands the condition everything it has read so far.
	teatest.WaitFor(t, tm.Output(), func(drawn []byte) bool {
		for _, w := range want {
			if !bytes.Contains(drawn, []byte(w)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(30*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
}
