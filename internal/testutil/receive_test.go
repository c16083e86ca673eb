package testutil

import (
	"testing"
	"testing/synctest"
)

func TestReceive(t *testing.T) {
	ch := make(chan int, 1)
	ch <- 7
	if got := Receive(t, ch, "number"); got != 7 {
		t.Errorf("Receive = %d, want 7", got)
	}
}

// With nothing sent, Receive fails the test after ReceiveTimeout (fake
// time: synctest's clock moves on once every goroutine waits).
func TestReceiveTimesOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &recorder{TB: t}
		if got := Receive(r, make(chan string), "answer to the client"); got != "" {
			t.Errorf("Receive = %q after a timeout, want the zero value", got)
		}
		if r.failed != "no answer to the client within 20s" {
			t.Errorf("failure %q, want it to say what did not come", r.failed)
		}
	})
}
