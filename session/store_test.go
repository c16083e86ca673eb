package session

import (
	"errors"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// assertAllSet fails if any field reachable from v is its zero value, so
// that a field added to Flow cannot silently miss the round-trip test.
func assertAllSet(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			t.Errorf("%s is nil in the test flow", path)
			return
		}
		assertAllSet(t, v.Elem(), path)
	case reflect.Struct:
		if v.Type().PkgPath() == "time" {
			if v.IsZero() {
				t.Errorf("%s is zero in the test flow", path)
			}
			return
		}
		for i := range v.NumField() {
			name := v.Type().Field(i).Name
			if strings.HasSuffix(path, ".Body") && name == "Unloaded" || path == "Flow" && (name == "HeadersUnloaded" || name == "Messages") {
				continue // a property of a returned copy, not stored
			}
			assertAllSet(t, v.Field(i), path+"."+name)
		}
	default:
		if v.IsZero() {
			t.Errorf("%s is zero in the test flow", path)
		}
	}
}

func TestRoundTripEveryField(t *testing.T) {
	full := fullFlow(1)

	minimal := &Flow{State: Pending, Request: &Request{Method: "GET", URL: "http://a.test/"}}
	failed := &Flow{State: Failed, Source: Mock, Kind: Tunnel,
		Request: &Request{Method: "CONNECT", URL: "https://b.test:443", Header: http.Header{}},
		Err:     &Error{Phase: PhaseClientTLS, Msg: "bad certificate"}}
	imported := fullFlow(2)
	imported.Source, imported.State, imported.Kind = Imported, Intercepted, HTTP
	imported.ID = "imported-id-from-har"

	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{})
	want := []*Flow{full, minimal, failed, imported}
	for _, f := range want {
		s.Add(f)
	}
	assertAllSet(t, reflect.ValueOf(full), "Flow") // after Add, which sets ID and Seq
	if imported.ID != "imported-id-from-har" {
		t.Errorf("Add replaced a given ID: %q", imported.ID)
	}
	mustClose(t, s)

	// Read-only: a writer would fail the pending and intercepted flows as
	// interrupted (interrupted_test.go).
	s = openStore(t, path, Options{ReadOnly: true})
	if got := s.Len(); got != len(want) {
		t.Fatalf("Len after reopen = %d, want %d", got, len(want))
	}
	for _, w := range want {
		got, err := s.Get(w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("flow %d after reopen:\n got %+v\nwant %+v", w.Seq, got, w)
		}
	}
	listed := s.List(nil, 0, -1)
	for i, w := range want {
		if !reflect.DeepEqual(listed[i], withoutBodies(w)) {
			t.Errorf("List()[%d] = %+v, want %+v", i, listed[i], withoutBodies(w))
		}
	}
}

func TestAddAssignsIDAndSeq(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	a, b := smallFlow(1), smallFlow(2)
	s.Add(a)
	s.Add(b)
	if a.ID == "" || len(a.ID) != 32 || a.ID == b.ID {
		t.Errorf("IDs %q, %q: want distinct 32-digit hex", a.ID, b.ID)
	}
	if a.Seq != 1 || b.Seq != 2 {
		t.Errorf("Seq = %d, %d, want 1, 2", a.Seq, b.Seq)
	}
	dup := smallFlow(3)
	dup.ID = a.ID
	s.Add(dup)
	if dup.ID == a.ID {
		t.Errorf("Add kept an ID the store already holds")
	}
	// The store holds a snapshot: changing the caller's flow changes nothing.
	a.Request.Header.Set("User-Agent", "changed")
	a.Comment = "changed"
	got, err := s.Get(a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Comment != "" || got.Request.Header.Get("User-Agent") != "curl/8.0" {
		t.Errorf("stored flow follows the caller's changes: %+v", got)
	}
}

func TestSeqContinuesAfterReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{})
	for i := range 5 {
		s.Add(smallFlow(i))
	}
	if err := s.Delete(s.List(nil, 0, 1)[0].ID); err != nil { // gaps are fine
		t.Fatal(err)
	}
	mustClose(t, s)

	s = openStore(t, path, Options{})
	f := smallFlow(9)
	s.Add(f)
	if f.Seq != 6 {
		t.Errorf("Seq after reopen = %d, want 6", f.Seq)
	}
	var seqs []int64
	for _, f := range s.List(nil, 0, -1) {
		seqs = append(seqs, f.Seq)
	}
	if !reflect.DeepEqual(seqs, []int64{2, 3, 4, 5, 6}) {
		t.Errorf("Seqs = %v", seqs)
	}
}

func TestUpdate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{})
	f := fullFlow(1)
	s.Add(f)
	mustFlush(t, s)

	// A listed flow (bodies Unloaded) handed back keeps its stored bodies.
	listed := s.List(nil, 0, 1)[0]
	listed.Marked, listed.Comment = false, "unmarked"
	listed.Seq = 99 // ignored: Seq belongs to the store
	if err := s.Update(listed); err != nil {
		t.Fatal(err)
	}
	// A flow with new body bytes replaces them.
	g, err := s.Get(f.ID)
	if err != nil {
		t.Fatal(err)
	}
	g.Response.Body = Body{Data: []byte("new"), Size: 3}
	if err := s.Update(g); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)

	s = openStore(t, path, Options{})
	got, err := s.Get(f.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := f.Clone()
	want.Marked, want.Comment = false, "unmarked"
	want.Response.Body = Body{Data: []byte("new"), Size: 3}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after updates:\n got %+v\nwant %+v", got, want)
	}

	if err := s.Update(&Flow{ID: "nope"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Update(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := s.Get("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(unknown) = %v, want ErrNotFound", err)
	}
}

func TestChangedCoalesces(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	select {
	case <-s.Changed():
		t.Fatal("Changed fired before any change")
	default:
	}
	for i := range 10 {
		s.Add(smallFlow(i))
	}
	<-s.Changed() // ten changes, one signal
	select {
	case <-s.Changed():
		t.Fatal("Changed did not coalesce")
	default:
	}
	f := s.List(nil, 0, 1)[0]
	for _, change := range []func() error{
		func() error { return s.Update(f) },
		func() error { return s.Delete(f.ID) },
		s.Clear,
	} {
		if err := change(); err != nil {
			t.Fatal(err)
		}
		<-s.Changed()
	}
}

func TestDeleteAndClearPersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{})
	var ids []string
	for i := range 6 {
		f := smallFlow(i)
		s.Add(f)
		ids = append(ids, f.ID)
	}
	mustFlush(t, s)
	err := s.Delete(ids[0], ids[2], "missing")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "missing") {
		t.Errorf("Delete with an unknown ID = %v, want ErrNotFound naming it", err)
	}
	mustClose(t, s)

	s = openStore(t, path, Options{})
	var got []string
	for _, f := range s.List(nil, 0, -1) {
		got = append(got, f.ID)
	}
	if want := []string{ids[1], ids[3], ids[4], ids[5]}; !reflect.DeepEqual(got, want) {
		t.Errorf("after Delete and reopen: %v, want %v", got, want)
	}
	if err := s.Clear(); err != nil {
		t.Fatal(err)
	}
	late := smallFlow(7) // added after Clear, before its commit
	s.Add(late)
	mustClose(t, s)

	s = openStore(t, path, Options{})
	if all := s.List(nil, 0, -1); len(all) != 1 || all[0].ID != late.ID {
		t.Errorf("after Clear, Add and reopen: %d flows, want only the late one", len(all))
	}
}
