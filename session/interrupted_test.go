package session

import (
	"bytes"
	"path/filepath"
	"reflect"
	"testing"
)

// unfinishedSession writes a session holding a finished flow, a pending
// one and one paused at a breakpoint, as a writer that stopped in the
// middle of them leaves it; it returns the three as added.
func unfinishedSession(t *testing.T, path string) (done, pending, paused *Flow) {
	t.Helper()
	s := openStore(t, path, Options{})
	done = fullFlow(1)
	done.State, done.Err = Done, nil
	pending = fullFlow(2)
	pending.State, pending.Response, pending.Err, pending.Stream = Pending, nil, nil, nil
	paused = fullFlow(3)
	paused.State, paused.Response, paused.Err = Intercepted, nil, nil
	for _, f := range []*Flow{done, pending, paused} {
		s.Add(f)
	}
	mustClose(t, s)
	return done, pending, paused
}

// assertInterrupted checks that got is want failed as interrupted, and
// otherwise as it was (headers and bodies included).
func assertInterrupted(t *testing.T, got, want *Flow) {
	t.Helper()
	if got.State != Failed || got.Err == nil || got.Err.Phase != PhaseInterrupted ||
		got.Err.Msg != "siphon stopped before the exchange finished" || got.Err.Hint == "" {
		t.Errorf("flow %d: state %v, error %+v; want failed, phase interrupted, with a hint", want.Seq, got.State, got.Err)
	}
	w := want.Clone()
	w.State, w.Err = Failed, got.Err
	if !reflect.DeepEqual(got, w) {
		t.Errorf("flow %d changed beyond its state and error:\n got %+v\nwant %+v", want.Seq, got, w)
	}
}

func TestWriterFailsFlowsLeftUnfinished(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	done, pending, paused := unfinishedSession(t, path)

	// A reader shows them as stored, and writes nothing.
	before := readFile(t, path)
	ro := openStore(t, path, Options{ReadOnly: true})
	for _, w := range []*Flow{pending, paused} {
		if got, err := ro.Get(w.ID); err != nil || got.State != w.State || got.Err != nil {
			t.Errorf("read-only: flow %d = %+v, %v; want it as stored (%v)", w.Seq, got, err, w.State)
		}
	}
	mustClose(t, ro)
	if !bytes.Equal(readFile(t, path), before) {
		t.Error("a read-only open changed the session file")
	}

	// A writer fails them at once, in memory...
	s := openStore(t, path, Options{})
	for _, w := range []*Flow{pending, paused} {
		got, err := s.Get(w.ID)
		if err != nil {
			t.Fatal(err)
		}
		assertInterrupted(t, got, w)
	}
	if got, _ := s.Get(done.ID); !reflect.DeepEqual(got, done) {
		t.Errorf("the finished flow changed:\n got %+v\nwant %+v", got, done)
	}
	if n := s.Count(MatcherFunc(func(f *Flow) bool { return f.State == Pending || f.State == Intercepted })); n != 0 {
		t.Errorf("writer still lists %d unfinished flows", n)
	}
	mustClose(t, s)

	// ...and in the file, the columns sqlite3 users query included.
	ro = openStore(t, path, Options{ReadOnly: true})
	for _, w := range []*Flow{pending, paused} {
		got, err := ro.Get(w.ID)
		if err != nil {
			t.Fatal(err)
		}
		assertInterrupted(t, got, w)
	}
	var state, phase string
	if err := rawDB(t, path).QueryRow("SELECT state, error_phase FROM flows WHERE id = ?", pending.ID).Scan(&state, &phase); err != nil {
		t.Fatal(err)
	}
	if state != "error" || phase != PhaseInterrupted {
		t.Errorf("stored columns: state %q, error_phase %q; want error, interrupted", state, phase)
	}
}
