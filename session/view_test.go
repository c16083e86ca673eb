package session

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// refresh refreshes v and fails the test on error.
func refresh(t testing.TB, v *View) ViewStats {
	t.Helper()
	st, err := v.Refresh(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// seqs returns the Seq numbers of every flow v shows, in its order.
func seqs(v *View) []int64 {
	var out []int64
	for _, f := range v.Window(0, v.Len()) {
		out = append(out, f.Seq)
	}
	return out
}

// reference computes what v should show, from List: the flows m matches,
// sorted by key then Seq, reversed on request.
func reference(s *Store, m Matcher, key SortKey, reverse bool) []int64 {
	flows := s.List(m, 0, -1)
	slices.SortFunc(flows, key.compare)
	var out []int64
	for _, f := range flows {
		out = append(out, f.Seq)
	}
	if reverse {
		slices.Reverse(out)
	}
	return out
}

func TestViewFilterSortReverse(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	for i := range 20 {
		s.Add(smallFlow(i))
	}
	v := s.NewView()
	if v.Len() != 0 || v.Newest() != -1 {
		t.Fatalf("a view before its first Refresh shows %d flows", v.Len())
	}
	st := refresh(t, v)
	if st.Shown != 20 || st.Total != 20 || !st.Changed {
		t.Fatalf("stats = %+v, want 20 of 20, changed", st)
	}
	if got, want := seqs(v), reference(s, nil, SortTime, false); !slices.Equal(got, want) {
		t.Fatalf("time order = %v, want %v", got, want)
	}
	if st := refresh(t, v); st.Changed {
		t.Errorf("a Refresh with nothing new reports a change")
	}

	odd := MatcherFunc(func(f *Flow) bool { return f.Response.Status == 404 })
	v.SetMatcher(odd)
	v.SetOrder(SortDuration, true)
	st = refresh(t, v)
	if st.Shown != 10 || st.Total != 20 {
		t.Fatalf("stats = %+v, want 10 of 20", st)
	}
	if got, want := seqs(v), reference(s, odd, SortDuration, true); !slices.Equal(got, want) {
		t.Fatalf("duration order reversed = %v, want %v", got, want)
	}
	first := v.Window(0, 1)[0]
	if v.Index(first.ID) != 0 {
		t.Errorf("Index of the first row = %d", v.Index(first.ID))
	}
	if got := v.Index("no-such-id"); got != -1 {
		t.Errorf("Index of an unknown flow = %d, want -1", got)
	}
	if got := v.Window(0, v.Len())[v.Newest()].Seq; got != 20 {
		t.Errorf("Newest points at seq %d, want 20", got)
	}
	if w := v.Window(8, 50); len(w) != 2 {
		t.Errorf("Window past the end has %d flows, want 2", len(w))
	}
	if w := v.Window(-1, 5); w != nil {
		t.Errorf("Window at a negative offset = %v", w)
	}
}

func TestViewIncremental(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	for i := range 5 {
		s.Add(smallFlow(i))
	}
	done := MatcherFunc(func(f *Flow) bool { return f.State == Done })
	v := s.NewView()
	v.SetMatcher(done)
	v.SetOrder(SortSize, false)
	refresh(t, v)

	// A pending flow is not shown until it completes; then it moves into
	// its place by size.
	p := smallFlow(5)
	p.State, p.Response = Pending, nil
	s.Add(p)
	if st := refresh(t, v); st.Shown != 5 || st.Total != 6 {
		t.Fatalf("after a pending flow: %+v, want 5 of 6", st)
	}
	p.State = Done
	p.Response = &Response{Status: 200, Header: map[string][]string{}, Body: Body{Size: 1}}
	if err := s.Update(p); err != nil {
		t.Fatal(err)
	}
	st := refresh(t, v)
	if st.Shown != 6 || !st.Changed {
		t.Fatalf("after completion: %+v, want 6 shown, changed", st)
	}
	if got := v.Window(0, 1)[0].Seq; got != p.Seq {
		t.Errorf("the smallest flow is seq %d, want the completed one, %d", got, p.Seq)
	}
	// A snapshot that changes in place (a mark) is served fresh.
	marked := v.Window(0, 1)[0].Clone()
	marked.Marked = true
	if err := s.Update(marked); err != nil {
		t.Fatal(err)
	}
	refresh(t, v)
	if !v.Window(0, 1)[0].Marked {
		t.Errorf("the view serves the snapshot from before the update")
	}
	// Deletes and Clear are seen.
	if err := s.Delete(p.ID); err != nil {
		t.Fatal(err)
	}
	if st := refresh(t, v); st.Shown != 5 || st.Total != 5 || v.Index(p.ID) != -1 {
		t.Fatalf("after delete: %+v, index %d", st, v.Index(p.ID))
	}
	if err := s.Clear(); err != nil {
		t.Fatal(err)
	}
	if st := refresh(t, v); st.Shown != 0 || st.Total != 0 {
		t.Fatalf("after clear: %+v", st)
	}
}

// TestViewMatchesReference applies random adds, updates and deletes and
// checks after each step that the view equals a sort of List's result.
func TestViewMatchesReference(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	r := rand.New(rand.NewPCG(1, 2))
	matchers := []Matcher{
		nil,
		MatcherFunc(func(f *Flow) bool { return f.Marked }),
		MatcherFunc(func(f *Flow) bool { return strings.Contains(target(f), "host3") || f.State == Pending }),
	}
	v := s.NewView()
	var ids []string
	for step := range 400 {
		switch op := r.IntN(10); {
		case op < 5 || len(ids) == 0:
			f := smallFlow(r.IntN(1000))
			if r.IntN(4) == 0 {
				f.State, f.Response = Pending, nil
			}
			s.Add(f)
			ids = append(ids, f.ID)
		case op < 8:
			f, err := s.Get(ids[r.IntN(len(ids))])
			if err != nil {
				t.Fatal(err)
			}
			f.Marked = !f.Marked
			f.Timings.Complete = f.Timings.Complete.Add(time.Duration(r.IntN(100)) * time.Millisecond)
			if f.Response == nil {
				f.State, f.Response = Done, &Response{Status: 200 + r.IntN(300), Body: Body{Size: int64(r.IntN(99))}}
			}
			if err := s.Update(f); err != nil {
				t.Fatal(err)
			}
		default:
			i := r.IntN(len(ids))
			if err := s.Delete(ids[i]); err != nil {
				t.Fatal(err)
			}
			ids = slices.Delete(ids, i, i+1)
		}
		if step%7 == 0 {
			v.SetMatcher(matchers[r.IntN(len(matchers))])
			v.SetOrder(SortKey(r.IntN(int(numSortKeys))), r.IntN(2) == 0)
		}
		refresh(t, v)
		v.mu.Lock()
		q := v.want
		v.mu.Unlock()
		if got, want := seqs(v), reference(s, q.m, q.key, q.reverse); !slices.Equal(got, want) {
			t.Fatalf("step %d (%v, reverse %v): view %v, want %v", step, q.key, q.reverse, got, want)
		}
	}
}

func TestViewRefreshCancelled(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	for i := range 3000 {
		s.Add(smallFlow(i))
	}
	v := s.NewView()
	refresh(t, v)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	v.SetMatcher(MatcherFunc(func(*Flow) bool { return false }))
	if _, err := v.Refresh(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Refresh with a cancelled context = %v, want context.Canceled", err)
	}
	if v.Len() != 3000 {
		t.Errorf("a cancelled Refresh changed the view: %d flows shown, want 3000", v.Len())
	}
	if st := refresh(t, v); st.Shown != 0 {
		t.Errorf("the next Refresh shows %d flows, want 0", st.Shown)
	}
}

func TestViewBodyMatcher(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	for i := range 10 {
		f := smallFlow(i)
		if i%3 == 0 {
			f.Response.Body.Data = []byte("needle")
		}
		s.Add(f)
	}
	mustFlush(t, s) // bodies now come from the file
	v := s.NewView()
	v.SetMatcher(bodyNeedle{})
	if st := refresh(t, v); st.Shown != 4 {
		t.Fatalf("body matcher shows %d flows, want 4", st.Shown)
	}
	for _, f := range v.Window(0, 4) {
		if !f.Response.Body.Unloaded {
			t.Errorf("flow %d: the view returned loaded bodies", f.Seq)
		}
	}
}

type bodyNeedle struct{}

func (bodyNeedle) Match(f *Flow) bool {
	return f.Response != nil && string(f.Response.Body.Data) == "needle"
}
func (bodyNeedle) NeedsBodies() bool { return true }

// A view that falls behind a trimmed journal still catches up (by walking
// every flow once), and one that keeps up sees changes in the middle of
// the order.
func TestViewJournal(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	for i := range 10 {
		s.Add(smallFlow(i))
	}
	v := s.NewView()
	v.SetMatcher(MatcherFunc(func(f *Flow) bool { return !f.Marked }))
	refresh(t, v)
	third := v.Window(3, 1)[0].Clone()
	third.Marked = true
	if err := s.Update(third); err != nil {
		t.Fatal(err)
	}
	if st := refresh(t, v); st.Shown != 9 || v.Index(third.ID) != -1 {
		t.Fatalf("after marking a middle flow: %+v", st)
	}
	// Far more changes than the journal keeps for a session this small.
	for i := range journalLimit + 10 {
		third.Comment = fmt.Sprint(i)
		third.Marked = i%2 == 0 // ends unmarked: shown again
		if err := s.Update(third); err != nil {
			t.Fatal(err)
		}
	}
	s.mu.Lock()
	trimmed := s.journalBase > 0
	s.mu.Unlock()
	if !trimmed {
		t.Fatal("the journal was never trimmed: the test proves nothing")
	}
	st := refresh(t, v)
	if st.Shown != 10 || v.Index(third.ID) < 0 {
		t.Fatalf("after a trimmed journal: %+v, index %d", st, v.Index(third.ID))
	}
	if got := v.Window(v.Index(third.ID), 1)[0].Comment; got != fmt.Sprint(journalLimit+9) {
		t.Errorf("comment %q, want the latest", got)
	}
}
