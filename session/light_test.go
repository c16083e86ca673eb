package session

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// headerNeedle matches flows whose request carries X-Multi: b, a header a
// light snapshot does not hold.
type headerNeedle struct{}

func (headerNeedle) Match(f *Flow) bool {
	return f.Request != nil && len(f.Request.Header["X-Multi"]) == 2 && f.Request.Header["X-Multi"][1] == "b"
}

func (headerNeedle) NeedsHeaders() bool { return true }

// window returns the view's only flow after a Refresh.
func window(t *testing.T, v *View) *Flow {
	t.Helper()
	refresh(t, v)
	w := v.Window(0, 1)
	if len(w) != 1 {
		t.Fatalf("view shows %d flows, want 1", v.Len())
	}
	return w[0]
}

func TestCommittedFlowsGoLight(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	want := fullFlow(1)
	want.State = Pending
	s.Add(want)
	v := s.NewView()
	mustFlush(t, s)
	if w := window(t, v); w.HeadersUnloaded || w.Request.Header.Get("X-Multi") != "a" {
		t.Fatalf("a pending flow went light: %+v", w.Request)
	}

	want.State = Done
	if err := s.Update(want); err != nil {
		t.Fatal(err)
	}
	mustFlush(t, s)
	w := window(t, v)
	if !w.HeadersUnloaded {
		t.Fatal("a finished, committed flow kept its headers in memory")
	}
	if got := len(w.Request.Header) + len(w.Response.Header) + len(w.Original.Header); got != 2 {
		t.Errorf("light snapshot holds %d headers, want the 2 Content-Types: %v %v %v",
			got, w.Request.Header, w.Response.Header, w.Original.Header)
	}
	if got := w.ContentType(); got != "text/plain" {
		t.Errorf("light ContentType = %q, want text/plain", got)
	}

	// Get and List read the headers back from the file.
	g, err := s.Get(want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, want) {
		t.Errorf("Get of a light flow:\n got %+v\nwant %+v", g, want)
	}
	if l := s.List(nil, 0, 1)[0]; !reflect.DeepEqual(l, withoutBodies(want)) {
		t.Errorf("List of a light flow:\n got %+v\nwant %+v", l, withoutBodies(want))
	}

	// A matcher that reads headers sees them; one that does not, does not.
	if n := s.Count(headerNeedle{}); n != 1 {
		t.Errorf("Count(header matcher) = %d, want 1", n)
	}
	if n := s.Count(MatcherFunc(headerNeedle{}.Match)); n != 0 {
		t.Errorf("a matcher that did not ask for headers saw them (%d matches)", n)
	}
	v.SetMatcher(headerNeedle{})
	if st := refresh(t, v); st.Shown != 1 {
		t.Errorf("view with a header matcher shows %d flows, want 1", st.Shown)
	}
}

func TestLightFlowsShareContentType(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	for i := range 3 {
		s.Add(fullFlow(i))
	}
	mustFlush(t, s)
	v := s.NewView()
	refresh(t, v)
	w := v.Window(0, 3)
	first := reflect.ValueOf(w[0].Response.Header).UnsafePointer()
	for _, f := range w[1:] {
		if reflect.ValueOf(f.Response.Header).UnsafePointer() != first {
			t.Errorf("flow %d has its own Content-Type map", f.Seq)
		}
	}
	// Cloning a light flow gives the caller maps of its own to change.
	c := w[0].Clone()
	c.Response.Header.Set("Content-Type", "changed")
	if got := w[1].ContentType(); got != "text/plain" {
		t.Errorf("changing a clone changed a shared map: %q", got)
	}
}

func TestUpdateWithLightFlowKeepsHeaders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{})
	want := fullFlow(1)
	s.Add(want)
	mustFlush(t, s)
	v := s.NewView()

	// As the UI marks a flow: clone the listed snapshot, change, hand back.
	c := window(t, v).Clone()
	c.Marked, c.Comment = false, "light edit"
	if err := s.Update(c); err != nil {
		t.Fatal(err)
	}
	want.Marked, want.Comment = false, "light edit"
	mustFlush(t, s)
	mustClose(t, s)

	s = openStore(t, path, Options{})
	g, err := s.Get(want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, want) {
		t.Errorf("after a light Update and reopen:\n got %+v\nwant %+v", g, want)
	}
}

func TestUpdateWithLightFlowBeforeCommit(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	want := fullFlow(1)
	s.Add(want)
	mustFlush(t, s)
	v := s.NewView()
	light := window(t, v).Clone()

	// The headers change in memory and are not committed yet, when a
	// light flow comes back: the new headers must win.
	want.Response.Header.Set("X-New", "1")
	if err := s.Update(want); err != nil {
		t.Fatal(err)
	}
	light.Comment = "marked while uncommitted"
	if err := s.Update(light); err != nil {
		t.Fatal(err)
	}
	g, err := s.Get(want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if g.Response.Header.Get("X-New") != "1" || g.Request.Header.Get("X-Multi") != "a" || g.Comment != light.Comment {
		t.Errorf("Get after a light Update = headers %v / %v, comment %q", g.Request.Header, g.Response.Header, g.Comment)
	}
	mustFlush(t, s)
	if g, err = s.Get(want.ID); err != nil || g.Response.Header.Get("X-New") != "1" {
		t.Errorf("after commit: %v, %v", g.Response.Header, err)
	}
}

func TestOpenedFlowsAreLight(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{})
	want := fullFlow(1)
	want.Response.Header["Content-Type"] = nil // a null in the file
	want.Request.Header = http.Header{"X-Only": {"1"}}
	s.Add(want)
	mustClose(t, s)

	for _, ro := range []bool{false, true} {
		s = openStore(t, path, Options{ReadOnly: ro})
		v := s.NewView()
		w := window(t, v)
		if !w.HeadersUnloaded || w.Request.Header != nil || w.Response.Header != nil {
			t.Errorf("read-only %v: opened flow not light: %v / %v", ro, w.Request.Header, w.Response.Header)
		}
		g, err := s.Get(want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, want) {
			t.Errorf("read-only %v: Get after open:\n got %+v\nwant %+v", ro, g, want)
		}
		if _, err := v.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		mustClose(t, s)
	}
}

// markedHeaderNeedle needs headers and reads a field only memory may
// have: a light flow marked since its last commit.
type markedHeaderNeedle struct{ headerNeedle }

func (m markedHeaderNeedle) Match(f *Flow) bool { return f.Marked && m.headerNeedle.Match(f) }

func TestHeaderMatchersSeeMemoryAndFile(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{FlushInterval: time.Hour})
	for i := range 3 {
		f := fullFlow(i)
		f.Marked = false
		s.Add(f)
	}
	mustFlush(t, s)
	v := s.NewView()
	refresh(t, v)
	// Mark the second flow through its light snapshot; the writer will
	// not commit it for an hour, so only memory knows.
	c := v.Window(1, 1)[0].Clone()
	c.Marked = true
	if err := s.Update(c); err != nil {
		t.Fatal(err)
	}
	if n := s.Count(markedHeaderNeedle{}); n != 1 {
		t.Errorf("Count = %d, want 1", n)
	}
	if l := s.List(markedHeaderNeedle{}, 0, -1); len(l) != 1 || l[0].Seq != 2 || l[0].Request.Header.Get("X-Multi") != "a" {
		t.Errorf("List = %v, want flow 2 with its headers", l)
	}
	v.SetMatcher(markedHeaderNeedle{})
	if st := refresh(t, v); st.Shown != 1 || v.Window(0, 1)[0].Seq != 2 {
		t.Errorf("view shows %d flows, want flow 2", st.Shown)
	}
}

// binaryNeedle matches response bodies containing "binary".
type binaryNeedle struct{}

func (binaryNeedle) Match(f *Flow) bool {
	return f.Response != nil && bytes.Contains(f.Response.Body.Data, []byte("binary"))
}

func (binaryNeedle) NeedsBodies() bool { return true }

func TestBodyMatchersOverLightAndPendingFlows(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{FlushInterval: time.Hour})
	for i := range 3 {
		f := fullFlow(i)
		if i == 1 {
			f.Response.Body.Data = []byte("no match here")
		}
		s.Add(f)
	}
	mustFlush(t, s)
	pending := fullFlow(3) // bodies in memory only: the writer waits an hour
	s.Add(pending)

	if n := s.Count(binaryNeedle{}); n != 3 {
		t.Errorf("Count = %d, want 3", n)
	}
	l := s.List(binaryNeedle{}, 0, -1)
	if len(l) != 3 {
		t.Fatalf("List returned %d flows, want 3", len(l))
	}
	for _, f := range l {
		if f.Response.Body.Unloaded || !bytes.Contains(f.Response.Body.Data, []byte("binary")) ||
			f.Request.Header.Get("X-Multi") != "a" {
			t.Errorf("listed flow %d without its body or headers: %+v %v", f.Seq, f.Response.Body, f.Request.Header)
		}
	}
	v := s.NewView()
	v.SetMatcher(binaryNeedle{})
	if st := refresh(t, v); st.Shown != 3 {
		t.Errorf("view shows %d flows, want 3", st.Shown)
	}
}

func TestExportHARWithHeaderFilterKeepsBodies(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	s.Add(fullFlow(1))
	mustFlush(t, s) // light now
	var out bytes.Buffer
	n, err := s.ExportHAR(context.Background(), &out, headerNeedle{}, HARCreator{Name: "test", Version: "1"})
	if err != nil || n != 1 {
		t.Fatalf("ExportHAR = %d, %v", n, err)
	}
	if !strings.Contains(out.String(), `{\"n\":1}`) {
		t.Errorf("exported HAR lacks the request body:\n%s", out.String())
	}
}

func TestAllYieldsWhatListReturns(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	for i := range 5 {
		f := fullFlow(i)
		if i%2 == 0 {
			f.Request.Header = http.Header{"X-Multi": {"a", "b"}}
		}
		s.Add(f)
	}
	mustFlush(t, s)
	for _, m := range []Matcher{nil, headerNeedle{}, binaryNeedle{}} {
		var all []*Flow
		for f := range s.All(m) {
			all = append(all, f)
		}
		if want := s.List(m, 0, -1); !reflect.DeepEqual(all, want) || len(all) == 0 {
			t.Errorf("%T: All yielded %d flows, List returned %d, or they differ", m, len(all), len(want))
		}
	}
	// Stopping early stops the walk.
	n := 0
	for range s.All(nil) {
		n++
		break
	}
	if n != 1 {
		t.Errorf("All went on after break: %d", n)
	}
}
