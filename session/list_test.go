package session

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func seqsOf(fs []*Flow) []int64 {
	var seqs []int64
	for _, f := range fs {
		seqs = append(seqs, f.Seq)
	}
	return seqs
}

func TestListWindowsAndMatcher(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	for i := range 20 {
		s.Add(smallFlow(i))
	}
	even := MatcherFunc(func(f *Flow) bool { return f.Seq%2 == 0 })
	tests := []struct {
		name      string
		m         Matcher
		offset, n int
		want      []int64
	}{
		{"first page", nil, 0, 3, []int64{1, 2, 3}},
		{"middle", nil, 10, 2, []int64{11, 12}},
		{"past the end", nil, 18, 5, []int64{19, 20}},
		{"offset beyond", nil, 25, 5, nil},
		{"zero rows", nil, 0, 0, nil},
		{"matcher window", even, 2, 3, []int64{6, 8, 10}},
		{"matcher all", even, 7, -1, []int64{16, 18, 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := seqsOf(s.List(tt.m, tt.offset, tt.n))
			if !slices.Equal(got, tt.want) {
				t.Errorf("List(%d, %d) = %v, want %v", tt.offset, tt.n, got, tt.want)
			}
		})
	}
	if got := s.Count(even); got != 10 {
		t.Errorf("Count(even) = %d, want 10", got)
	}
	if got := s.Count(nil); got != 20 {
		t.Errorf("Count(nil) = %d, want 20", got)
	}
	// Returned flows are copies.
	s.List(nil, 0, 1)[0].Request.Header.Set("User-Agent", "changed")
	if ua := s.List(nil, 0, 1)[0].Request.Header.Get("User-Agent"); ua != "curl/8.0" {
		t.Errorf("changing a listed flow changed the store: %q", ua)
	}
}

// inMemory reports which of a flow's body parts the index holds in memory.
func inMemory(s *Store, id string) (n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range numParts {
		if s.bodies[s.lookupLocked(id)].get(i).data != nil {
			n++
		}
	}
	return n
}

func TestBodiesLeaveMemoryWhenFinalAndCommitted(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	f := fullFlow(1)
	f.State = Pending
	s.Add(f)
	mustFlush(t, s)
	if got := inMemory(s, f.ID); got != 3 {
		t.Errorf("pending flow: %d bodies in memory after commit, want 3", got)
	}
	l := s.List(nil, 0, 1)[0]
	if b := l.Response.Body; !b.Unloaded || b.Data != nil || b.Size != 5000 || !b.Truncated {
		t.Errorf("listed body = %+v, want Unloaded with Size and Truncated kept", b)
	}

	f.State = Done
	if err := s.Update(f); err != nil {
		t.Fatal(err)
	}
	if got := inMemory(s, f.ID); got != 3 {
		t.Errorf("finished flow: %d bodies in memory before commit, want 3", got)
	}
	mustFlush(t, s)
	if got := inMemory(s, f.ID); got != 0 {
		t.Errorf("finished flow: %d bodies in memory after commit, want 0", got)
	}
	if l := s.List(nil, 0, 1)[0]; !l.Request.Body.Unloaded || l.Request.Body.Data != nil {
		t.Errorf("listed request body = %+v, want Unloaded", l.Request.Body)
	}
	g, err := s.Get(f.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, pair := range [][2]*Body{
		{&g.Request.Body, &f.Request.Body},
		{&g.Response.Body, &f.Response.Body},
		{&g.Original.Body, &f.Original.Body},
	} {
		if got, want := pair[0], pair[1]; got.Unloaded || !bytes.Equal(got.Data, want.Data) {
			t.Errorf("Get body %d = %+v, want %q loaded from disk", i, got, want.Data)
		}
	}
}

// bodyMatcher matches flows whose response body contains a string.
type bodyMatcher string

func (m bodyMatcher) Match(f *Flow) bool {
	return f.Response != nil && bytes.Contains(f.Response.Body.Data, []byte(m))
}
func (m bodyMatcher) NeedsBodies() bool { return true }

var _ BodyMatcher = bodyMatcher("")

func TestBodyMatcherLoadsBodies(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	for i := range 6 {
		f := smallFlow(i)
		if i%3 == 0 {
			f.Response.Body.Data = []byte("needle in body")
		}
		s.Add(f)
	}
	mustFlush(t, s) // bodies of these finished flows are now only on disk
	pending := smallFlow(6)
	pending.State = Pending
	pending.Response.Body.Data = []byte("needle in memory")
	s.Add(pending)

	got := s.List(bodyMatcher("needle"), 0, -1)
	if seqs := seqsOf(got); !slices.Equal(seqs, []int64{1, 4, 7}) {
		t.Fatalf("List(body matcher) = %v, want [1 4 7]", seqs)
	}
	for _, f := range got {
		if b := f.Response.Body; b.Unloaded || !strings.HasPrefix(string(b.Data), "needle") {
			t.Errorf("flow %d returned with body %+v, want it loaded", f.Seq, b)
		}
	}
	if n := s.Count(bodyMatcher("needle in body")); n != 2 {
		t.Errorf("Count(body matcher) = %d, want 2", n)
	}
	// A plain matcher sees Unloaded bodies.
	sawData := false
	s.List(MatcherFunc(func(f *Flow) bool {
		sawData = sawData || f.Response.Body.Data != nil || !f.Response.Body.Unloaded
		return true
	}), 0, -1)
	if sawData {
		t.Errorf("a matcher that does not need bodies saw body bytes")
	}
}
