package mcp

import (
	"sync"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/session"
)

// stepClock advances by step at every reading.
type stepClock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

func (c *stepClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(c.step)
	return c.t
}

func (c *stepClock) skip(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// A session that takes long to open is opened again only once ten times
// that has passed, however often it changes.
func TestFileSourceReopensSlowSessionsSparingly(t *testing.T) {
	path := writeSession(t, testFlow(1))
	clock := &stepClock{t: time.Unix(0, 0), step: time.Second}
	src := &FileSource{path: path, now: clock.now, factor: reopenFactor}
	if err := src.open(); err != nil { // "takes" one second: one step
		t.Fatal(err)
	}
	defer src.Close()
	count := func() int {
		st, release, err := src.Acquire()
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		return st.Len()
	}

	w, err := session.Open(path, session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Add(testFlow(2))
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("reopened %v after the last open, which took 1s: %d flows", time.Second, n)
	}
	clock.skip(10 * time.Second)
	if n := count(); n != 2 {
		t.Fatalf("10 s later: %d flows, want 2", n)
	}
}
