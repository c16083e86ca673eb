package session

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestAddWhileLightening: the writer makes committed flows light without
// holding the store's lock, so the proxy's Add and Update go on while it
// does; a flow updated meanwhile keeps its new snapshot (not a light form
// of the old one), the others go light.
func TestAddWhileLightening(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{FlushInterval: never})
	const n = 300 // more than one lightenChunk
	flows := make([]*Flow, n)
	for i := range flows {
		flows[i] = smallFlow(i)
		s.Add(flows[i])
	}
	started, proceed := make(chan struct{}), make(chan struct{})
	var once sync.Once
	s.hooks.lightening = func() {
		once.Do(func() { close(started) })
		<-proceed
	}
	flushed := make(chan error, 1)
	go func() { flushed <- s.Flush() }()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the writer did not commit within 10s")
	}

	changed, added := flows[7], smallFlow(n)
	changed.Comment = "changed while the writer lightens"
	done := make(chan error, 1)
	go func() {
		s.Add(added)
		done <- s.Update(changed)
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		close(proceed)
		t.Fatal("Add and Update waited for the writer to make flows light")
	}
	close(proceed)
	if err := <-flushed; err != nil {
		t.Fatal(err)
	}
	s.hooks.lightening = nil // the writer is idle: nothing is pending but what we wait for below

	s.mu.Lock()
	for i, f := range flows {
		e := s.lookupLocked(f.ID)
		light := e.meta.Load() == nil || e.meta.Load().HeadersUnloaded
		if light != (f != changed) {
			t.Errorf("flow %d: light %v after the commit", i, light)
		}
	}
	snap := s.lookupLocked(changed.ID).snapshot()
	s.mu.Unlock()
	if snap.Comment != changed.Comment || snap.Request.Header.Get("User-Agent") != "curl/8.0" {
		t.Errorf("the flow updated during the commit: %+v %v", snap, snap.Request.Header)
	}
	if g, err := s.Get(added.ID); err != nil || g.State != Done {
		t.Errorf("the flow added during the commit: %+v, %v", g, err)
	}
	mustFlush(t, s)
	if g, err := s.Get(changed.ID); err != nil || g.Comment != changed.Comment {
		t.Errorf("the flow updated during the commit, once committed: %+v, %v", g, err)
	}
}

// TestChangesWhileTakingRows: the writer takes the pending flows out of
// the store's lock; a flow deleted meanwhile is not written (the file
// never holds it again), one updated meanwhile is written as it is now.
func TestChangesWhileTakingRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{FlushInterval: never})
	flows := make([]*Flow, 10)
	for i := range flows {
		flows[i] = smallFlow(i)
		s.Add(flows[i])
	}
	gone, changed := flows[3], flows[5]
	var once sync.Once
	s.hooks.takingRows = func() {
		once.Do(func() {
			if err := s.Delete(gone.ID); err != nil {
				t.Error(err)
			}
			changed.Comment = "changed while the writer takes the rows"
			if err := s.Update(changed); err != nil {
				t.Error(err)
			}
		})
	}
	mustFlush(t, s) // the first commit: the changes above come during it

	r := openStore(t, path, Options{ReadOnly: true})
	if _, err := r.Get(gone.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("the flow deleted while the writer took the rows is in the file: %v", err)
	}
	if g, err := r.Get(changed.ID); err != nil || g.Comment != changed.Comment {
		t.Errorf("the flow updated while the writer took the rows: %+v, %v", g, err)
	}
	if n := r.Len(); n != len(flows)-1 {
		t.Errorf("%d flows in the file, want %d", n, len(flows)-1)
	}
}
