package session

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseIDOnlyCanonical(t *testing.T) {
	id := newID()
	k, ok := parseID(id)
	if !ok || k.String() != id {
		t.Fatalf("parseID(%q) = %v, %v; want the ID back", id, k, ok)
	}
	for _, odd := range []string{"", "imported-id-from-har", strings.ToUpper(id), id[:31], id + "0", id[:31] + "g"} {
		if _, ok := parseID(odd); ok {
			t.Errorf("parseID(%q) took an ID that would not read back the same", odd)
		}
	}
}

// TestOddAndCanonicalIDs: flows whose IDs are not newID's hex keep them
// through Add, commit, reopen, Get, Update, View.Index and Delete, next to
// flows whose IDs the index keeps as bytes; an ID in capitals is another
// flow than its lowercase twin.
func TestOddAndCanonicalIDs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{})
	canonical := newID()
	var flows []*Flow
	for _, id := range []string{canonical, strings.ToUpper(canonical), "imported-id-from-har", ""} {
		f := smallFlow(len(flows) + 1)
		f.ID = id
		s.Add(f)
		flows = append(flows, f)
	}
	if flows[0].ID != canonical || flows[1].ID != strings.ToUpper(canonical) || flows[2].ID != "imported-id-from-har" {
		t.Fatalf("Add changed given IDs: %v", ids(flows))
	}
	if _, ok := parseID(flows[3].ID); !ok {
		t.Errorf("Add made the ID %q, want 32 hex digits", flows[3].ID)
	}
	mustFlush(t, s)
	check := func(s *Store, when string) {
		t.Helper()
		if got := s.Len(); got != len(flows) {
			t.Errorf("%s: Len = %d, want %d", when, got, len(flows))
		}
		v := s.NewView()
		refresh(t, v)
		for i, f := range flows {
			g, err := s.Get(f.ID)
			if err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			if g.ID != f.ID || g.Request.URL != f.Request.URL {
				t.Errorf("%s: Get(%q) = flow %q of %s, want %s", when, f.ID, g.ID, g.Request.URL, f.Request.URL)
			}
			if got := v.Index(f.ID); got != i {
				t.Errorf("%s: Index(%q) = %d, want %d", when, f.ID, got, i)
			}
		}
		if got := ids(v.Window(0, len(flows))); strings.Join(got, " ") != strings.Join(ids(flows), " ") {
			t.Errorf("%s: the view's IDs are %v, want %v", when, got, ids(flows))
		}
		if _, err := s.Get(strings.ToUpper(flows[len(flows)-1].ID)); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: Get of an ID no flow has: %v, want ErrNotFound", when, err)
		}
	}
	check(s, "committed")
	m := flows[2].Clone()
	m.Marked = true
	if err := s.Update(m); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)

	s = openStore(t, path, Options{})
	check(s, "reopened")
	if g, err := s.Get(flows[2].ID); err != nil || !g.Marked {
		t.Errorf("the update of the odd-ID flow was lost: %v, %v", g, err)
	}
	if err := s.Delete(flows[1].ID, flows[2].ID); err != nil {
		t.Fatal(err)
	}
	flows = []*Flow{flows[0], flows[3]}
	check(s, "after Delete")
	mustClose(t, s)
	s = openStore(t, path, Options{ReadOnly: true})
	check(s, "reopened after Delete")
}

// TestScanSnapshotIDs: a matcher over compact rows sees every flow's ID,
// IDs it keeps stay right after the scan went on, and the scan does not
// allocate a string per flow for them.
func TestScanSnapshotIDs(t *testing.T) {
	const n = 3000
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	want := make([]string, n)
	for i := range n {
		f := smallFlow(i)
		s.Add(f)
		want[i] = f.ID
	}
	mustFlush(t, s)
	s.mu.Lock()
	compact := s.order[n-1].row.Load() != nil && s.order[n-1].meta.Load() == nil
	s.mu.Unlock()
	if !compact {
		t.Fatal("a committed small flow is not a compact row")
	}
	var seen []string
	s.Count(MatcherFunc(func(f *Flow) bool {
		seen = append(seen, f.ID)
		return true
	}))
	if strings.Join(seen, " ") != strings.Join(want, " ") {
		t.Fatalf("a matcher over compact rows saw other IDs than the flows'")
	}
	allocs := testing.AllocsPerRun(3, func() {
		s.Count(MatcherFunc(func(*Flow) bool { return true }))
	})
	if allocs > n/10 {
		t.Errorf("counting %d compact flows took %.0f allocations, want at most %d", n, allocs, n/10)
	}
}
