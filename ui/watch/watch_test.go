package watch

import (
	"context"
	"testing"
)

type changed struct{}

// A signal is reported as the message asked for; once the context ends
// the command returns nothing instead of waiting for ever.
func TestSignal(t *testing.T) {
	ch := make(chan struct{}, 1)
	ch <- struct{}{}
	if got := Signal(context.Background(), ch, changed{})(); got != (changed{}) {
		t.Errorf("after a signal: %#v, want changed{}", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := Signal(ctx, ch, changed{})(); got != nil {
		t.Errorf("after the context ended: %#v, want nil", got)
	}
}
