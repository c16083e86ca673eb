package session

import (
	"bytes"
	"path/filepath"
	"testing"
)

// These tests change the store from inside a matcher, deterministically
// in the middle of the one pass over the file that header and body
// matchers get (matching.prepareAll).

func finishedFlow(i int) *Flow {
	f := smallFlow(i)
	f.State = Done
	return f
}

// snapshotOf returns the store's current snapshot of a flow.
func snapshotOf(s *Store, id string) *Flow {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lookupLocked(id).snapshot()
}

// hookMatcher needs headers, and calls hook before each match.
type hookMatcher struct {
	pred func(f *Flow) bool
	hook func(f *Flow)
}

func (m *hookMatcher) Match(f *Flow) bool {
	if m.hook != nil {
		m.hook(f)
	}
	return m.pred(f)
}

func (*hookMatcher) NeedsHeaders() bool { return true }

type hookBodyMatcher struct{ hookMatcher }

func (*hookBodyMatcher) NeedsBodies() bool { return true }

// once runs fn the first time the matcher sees the flow with id.
func once(id string, fn func()) func(*Flow) {
	done := false
	return func(f *Flow) {
		if !done && f.ID == id {
			done = true
			fn()
		}
	}
}

func TestViewSeesFlowMarkedDuringHeaderPass(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	f, g := finishedFlow(1), finishedFlow(2)
	f.Request.Header.Set("X-Foo", "1")
	s.Add(f)
	s.Add(g)
	mustFlush(t, s)
	m := &hookMatcher{pred: func(f *Flow) bool { return f.Marked && f.Request.Header.Get("X-Foo") == "1" }}
	m.hook = once(g.ID, func() {
		c := snapshotOf(s, f.ID).Clone()
		c.Marked = true
		if err := s.Update(c); err != nil {
			t.Error(err)
		}
	})
	v := s.NewView()
	v.SetMatcher(m)
	refresh(t, v)
	refresh(t, v)
	m.hook = nil
	if n, l := v.Len(), len(s.List(m, 0, -1)); n != 1 || l != 1 {
		t.Errorf("view shows %d flows, List returns %d; want the marked flow in both", n, l)
	}
}

func TestViewSeesFlowFinishedDuringPass(t *testing.T) {
	for _, bodies := range []bool{false, true} {
		s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
		a, f := finishedFlow(1), finishedFlow(2)
		f.State, f.Response = Pending, nil
		s.Add(a)
		s.Add(f)
		mustFlush(t, s) // a light; f in the file without a response
		finish := once(a.ID, func() {
			g := finishedFlow(2)
			g.ID = f.ID
			g.Response.Header.Set("Server", "nginx")
			g.Response.Body = Body{Data: []byte("a needle"), Size: 8}
			if err := s.Update(g); err != nil {
				t.Error(err)
			}
			if err := s.Flush(); err != nil { // f goes light, after the pass began
				t.Error(err)
			}
		})
		var m Matcher
		if bodies {
			m = &hookBodyMatcher{hookMatcher{hook: finish, pred: func(f *Flow) bool {
				return f.Response != nil && bytes.Contains(f.Response.Body.Data, []byte("needle"))
			}}}
		} else {
			m = &hookMatcher{hook: finish, pred: func(f *Flow) bool {
				return f.Response != nil && f.Response.Header.Get("Server") == "nginx"
			}}
		}
		v := s.NewView()
		v.SetMatcher(m)
		refresh(t, v)
		refresh(t, v)
		if n, l := v.Len(), len(s.List(m, 0, -1)); n != 1 || l != 1 {
			t.Errorf("bodies %v: view shows %d flows, List returns %d; want the finished flow in both", bodies, n, l)
		}
	}
}

func TestUnreadableRowDoesNotHideLaterHits(t *testing.T) {
	var reported []error
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{OnError: func(err error) { reported = append(reported, err) }})
	a, b := finishedFlow(1), finishedFlow(2)
	s.Add(a)
	s.Add(b)
	mustFlush(t, s)
	// The file goes bad under a light flow while the store is open.
	if _, err := s.db.Exec(`UPDATE flows SET meta = '{"id":' WHERE id = ?`, a.ID); err != nil {
		t.Fatal(err)
	}
	m := &hookMatcher{pred: func(f *Flow) bool { return f.Request.Header.Get("User-Agent") == "curl/8.0" }}
	got := s.List(m, 0, -1)
	if len(got) != 1 || got[0].ID != b.ID {
		t.Errorf("List returned %d flows, want the readable one", len(got))
	}
	if len(reported) == 0 {
		t.Error("the unreadable row was not reported")
	}
}

func TestUnreadableRowAtOpenIsSkippedAndCommitsGoOn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{})
	f := finishedFlow(1)
	s.Add(f)
	mustClose(t, s)
	// A value only a lenient decoder would skip over.
	execRaw(t, path, `UPDATE flows SET meta = replace(meta, '"User-Agent":["curl/8.0"]', '"User-Agent":[8]')`)
	var reported []error
	s = openStore(t, path, Options{OnError: func(err error) { reported = append(reported, err) }})
	if s.Len() != 0 || len(reported) != 1 {
		t.Fatalf("opened %d flows with %d errors, want the bad row skipped and reported", s.Len(), len(reported))
	}
	s.Add(finishedFlow(2))
	mustFlush(t, s)
}

func TestUnreadableStoredHeadersLoseOnlyThatChange(t *testing.T) {
	var reported []error
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{OnError: func(err error) { reported = append(reported, err) }})
	a := finishedFlow(1)
	s.Add(a)
	mustFlush(t, s)
	if _, err := s.db.Exec(`UPDATE flows SET meta = '{"id":' WHERE id = ?`, a.ID); err != nil {
		t.Fatal(err)
	}
	c := snapshotOf(s, a.ID).Clone() // light: its headers are only in the file
	c.Marked = true
	if err := s.Update(c); err != nil {
		t.Fatal(err)
	}
	b := finishedFlow(2)
	s.Add(b)
	if err := s.Flush(); err != nil {
		t.Fatalf("one unreadable row failed the whole commit: %v", err)
	}
	if len(reported) != 1 {
		t.Errorf("reported %v, want the one lost change", reported)
	}
	if g, err := s.Get(b.ID); err != nil || g.Request.Header.Get("User-Agent") != "curl/8.0" {
		t.Errorf("the other flow was not committed: %v", err)
	}
}
