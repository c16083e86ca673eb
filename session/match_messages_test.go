package session

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
)

// payloadMatcher is a body matcher that looks for a payload among a
// flow's messages of one direction, counting the messages it read.
type payloadMatcher struct {
	dir  Direction
	want string
	read *int
}

func (m payloadMatcher) NeedsBodies() bool { return true }

func (m payloadMatcher) Match(f *Flow) bool {
	if f.Messages == nil {
		return false
	}
	for msg := range f.Messages {
		*m.read++
		if msg.Dir == m.dir && bytes.Equal(msg.Data, []byte(m.want)) {
			return true
		}
	}
	return false
}

// TestBodyMatcherReadsMessages checks that a matcher that needs bodies
// sees a WebSocket flow's messages through Flow.Messages, from memory
// before they are committed and from the file after a reopen, in List
// and in a View; that it reads no further than its first hit; and that
// the flows List returns do not keep the iterator.
func TestBodyMatcherReadsMessages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{FlushInterval: never})
	ws, plain := wsFlow(), smallFlow(2)
	s.Add(ws)
	s.Add(plain)
	for i := range 200 {
		if err := s.AddMessage(ws.ID, msg(i, Direction(i%2))); err != nil {
			t.Fatal(err)
		}
	}
	check := func(s *Store, when string) {
		t.Helper()
		read := 0
		got := s.List(payloadMatcher{Up, "message 100", &read}, 0, 10)
		if len(got) != 1 || got[0].ID != ws.ID || got[0].Messages != nil {
			t.Fatalf("%s: List = %v", when, got)
		}
		if read != 101 {
			t.Errorf("%s: the matcher read %d messages to its hit, want 101", when, read)
		}
		if got := s.List(payloadMatcher{Down, "message 100", &read}, 0, 10); len(got) != 0 {
			t.Errorf("%s: a client message matched as a server one: %v", when, got)
		}
		v := s.NewView()
		v.SetMatcher(payloadMatcher{Down, "message 199", &read})
		if _, err := v.Refresh(context.Background()); err != nil || v.Len() != 1 {
			t.Errorf("%s: view of the last server message: %d flows, %v", when, v.Len(), err)
		}
	}
	check(s, "in memory")
	mustClose(t, s)
	s = openStore(t, path, Options{ReadOnly: true})
	defer s.Close()
	check(s, "reopened")
}
