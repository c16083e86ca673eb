package session

import (
	"net/http"
	"path/filepath"
	"reflect"
	"testing"
)

// TestUpdateKeepsUnchangedMessages: with ShareHeaders, an Update that
// leaves a message as it was keeps the stored message instead of a new
// copy, and one that changes any part of it (a field, a header map, the
// body's bytes) stores the change, in memory and in the file.
func TestUpdateKeepsUnchangedMessages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{ShareHeaders: true, FlushInterval: never})
	f := smallFlow(1)
	f.State = Pending
	s.Add(f)
	e := s.lookupLocked(f.ID)
	added := e.snapshot()
	f.State = Done
	if err := s.Update(f); err != nil {
		t.Fatal(err)
	}
	done := e.snapshot()
	if done.Request != added.Request || done.Response != added.Response {
		t.Errorf("an unchanged message was copied: request kept %v, response kept %v",
			done.Request == added.Request, done.Response == added.Response)
	}
	if done.State != Done {
		t.Errorf("state %v, want done", done.State)
	}

	changes := []struct {
		name   string
		change func(f *Flow)
		check  func(got *Flow) bool
	}{
		{"url", func(f *Flow) { f.Request.URL = "http://other.test/" },
			func(g *Flow) bool { return g.Request.URL == "http://other.test/" }},
		{"status", func(f *Flow) { f.Response.Status = 503 },
			func(g *Flow) bool { return g.Response.Status == 503 }},
		{"header map", func(f *Flow) { f.Response.Header = http.Header{"Content-Type": {"text/html"}} },
			func(g *Flow) bool { return g.Response.Header.Get("Content-Type") == "text/html" }},
		{"trailer", func(f *Flow) { f.Request.Trailer = http.Header{"X-Sum": {"1"}} },
			func(g *Flow) bool { return g.Request.Trailer.Get("X-Sum") == "1" }},
		{"body bytes", func(f *Flow) { f.Response.Body.Data = []byte("other bytes\n") },
			func(g *Flow) bool { return string(g.Response.Body.Data) == "other bytes\n" }},
		{"body size", func(f *Flow) { f.Response.Body.Size, f.Response.Body.Truncated = 99, true },
			func(g *Flow) bool { return g.Response.Body.Size == 99 && g.Response.Body.Truncated }},
	}
	for _, c := range changes {
		c.change(f) // in the caller's messages, which the store never keeps
		if err := s.Update(f); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !c.check(got) {
			t.Errorf("%s: the change is not stored: %+v %+v", c.name, got.Request, got.Response)
		}
	}
	mustFlush(t, s)
	mustClose(t, s)
	r := openStore(t, path, Options{})
	back, err := r.Get(f.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		if !c.check(back) {
			t.Errorf("%s: the file lost the change: %+v %+v", c.name, back.Request, back.Response)
		}
	}
}

// TestSameMessageKnowsEveryField: sameRequest and sameResponse compare
// every field of a message; a field added to Request or Response must be
// compared there too (then update the counts here).
func TestSameMessageKnowsEveryField(t *testing.T) {
	if n := reflect.TypeFor[Request]().NumField(); n != 6 {
		t.Errorf("Request has %d fields: compare the new ones in sameRequest", n)
	}
	if n := reflect.TypeFor[Response]().NumField(); n != 6 {
		t.Errorf("Response has %d fields: compare the new ones in sameResponse", n)
	}
	if n := reflect.TypeFor[Body]().NumField(); n != 4 {
		t.Errorf("Body has %d fields: compare the new ones in sameBody", n)
	}
}
