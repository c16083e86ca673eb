package session

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// wsFlow returns a WebSocket flow as the proxy records it.
func wsFlow() *Flow {
	f := smallFlow(1)
	f.Kind, f.Stream = WebSocket, &StreamStats{}
	f.Response.Status = 101
	return f
}

func msg(i int, dir Direction) Message {
	op := OpText
	data := []byte(fmt.Sprintf("message %d", i))
	if i%3 == 2 {
		op, data = OpBinary, []byte{byte(i), 0, 0xff}
	}
	return Message{Dir: dir, Time: at(1_700_000_000, i%1000), Opcode: op, Data: data, Size: int64(len(data))}
}

// allMessages reads every message of a flow, in windows of 7.
func allMessages(t *testing.T, s *Store, id string) []Message {
	t.Helper()
	var out []Message
	for off := 0; ; off += 7 {
		page, err := s.Messages(id, off, 7)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if len(page) < 7 || off > 1_000_000 {
			return out
		}
	}
}

func sameMessage(a, b Message) bool {
	return a.Seq == b.Seq && a.Dir == b.Dir && a.Time == b.Time && a.Opcode == b.Opcode &&
		bytes.Equal(a.Data, b.Data) && a.Size == b.Size && a.Truncated == b.Truncated && a.Note == b.Note &&
		a.Action == b.Action && bytes.Equal(a.Original, b.Original) && (a.Original == nil) == (b.Original == nil)
}

func TestMessagesStoredAndReopened(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{FlushInterval: never})
	f, other := wsFlow(), wsFlow()
	s.Add(f)
	s.Add(other)
	var want []Message
	for i := range 20 {
		m := msg(i, Direction(i%2))
		if i == 5 {
			m.Opcode, m.Data, m.Size = OpClose, ClosePayload(1001, "going away"), 12
		}
		if i == 6 {
			m.Truncated, m.Size, m.Note = true, 1<<20, "text message is not valid UTF-8"
		}
		if i == 7 {
			m.Action, m.Original = ActionEdited, []byte("before the edit")
		}
		if i == 8 {
			m.Action = RuleAction("dropped", "no pings")
		}
		select { // drain, so the signal below is AddMessage's
		case <-s.Changed():
		default:
		}
		if err := s.AddMessage(f.ID, m); err != nil {
			t.Fatal(err)
		}
		select {
		case <-s.Changed():
		default:
			t.Fatal("AddMessage did not signal Changed")
		}
		m.Seq = int64(i + 1)
		want = append(want, m)
		if i == 9 {
			mustFlush(t, s) // half in the file, half in memory
		}
	}
	s.AddMessage(other.ID, msg(99, Up))
	check := func(s *Store, when string) {
		got := allMessages(t, s, f.ID)
		if len(got) != len(want) {
			t.Fatalf("%s: %d messages, want %d", when, len(got), len(want))
		}
		for i := range want {
			if !sameMessage(got[i], want[i]) {
				t.Errorf("%s: message %d = %+v, want %+v", when, i, got[i], want[i])
			}
		}
		if st := s.MessageStats(f.ID); st != (MessageStats{Stored: 20, Seen: 20}) || st.Capped() {
			t.Errorf("%s: stats %+v", when, st)
		}
		if page, _ := s.Messages(f.ID, 18, 10); len(page) != 2 || page[0].Seq != 19 {
			t.Errorf("%s: window past 18: %+v", when, page)
		}
		if code, reason, ok := got[5].CloseStatus(); !ok || code != 1001 || reason != "going away" {
			t.Errorf("%s: close status %d %q %v", when, code, reason, ok)
		}
		if got, _ := s.Messages(other.ID, 0, 10); len(got) != 1 || string(got[0].Data) != "message 99" {
			t.Errorf("%s: other flow's messages %+v", when, got)
		}
	}
	check(s, "before flush")
	mustClose(t, s)
	s = openStore(t, path, Options{})
	check(s, "reopened")
	mustClose(t, s)
	s = openStore(t, path, Options{ReadOnly: true})
	check(s, "read-only")
}

func TestMessageCap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{MessageCap: 5})
	f := wsFlow()
	s.Add(f)
	for i := range 8 {
		if err := s.AddMessage(f.ID, msg(i, Up)); err != nil {
			t.Fatal(err)
		}
	}
	for _, when := range []string{"live", "reopened"} {
		if when == "reopened" {
			mustClose(t, s)
			s = openStore(t, path, Options{ReadOnly: true})
		}
		got := allMessages(t, s, f.ID)
		st := s.MessageStats(f.ID)
		if len(got) != 5 || got[4].Seq != 5 || st != (MessageStats{Stored: 5, Seen: 8}) || !st.Capped() {
			t.Fatalf("%s: %d messages, stats %+v", when, len(got), st)
		}
	}
}

// TestMessagesAtFullSpeed adds 10,000 messages from two goroutines (the
// two directions of a relay) as fast as they come: none is lost.
func TestMessagesAtFullSpeed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{})
	f := wsFlow()
	s.Add(f)
	const n = 5000
	var wg sync.WaitGroup
	for _, dir := range []Direction{Up, Down} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				m := Message{Dir: dir, Opcode: OpText, Data: []byte(fmt.Sprintf("%s %d", dir, i)), Time: Now()}
				m.Size = int64(len(m.Data))
				if err := s.AddMessage(f.ID, m); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	mustClose(t, s)
	s = openStore(t, path, Options{ReadOnly: true})
	got, err := s.Messages(f.ID, 0, 3*n)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2*n {
		t.Fatalf("%d messages stored, want %d", len(got), 2*n)
	}
	next := map[Direction]int{}
	for i, m := range got {
		if m.Seq != int64(i+1) || string(m.Data) != fmt.Sprintf("%s %d", m.Dir, next[m.Dir]) {
			t.Fatalf("message %d: seq %d %q", i, m.Seq, m.Data)
		}
		next[m.Dir]++
	}
}

func TestMessagesInSessionWithoutTables(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{})
	f := wsFlow()
	s.Add(f)
	mustClose(t, s)
	// As a file written before messages were stored.
	execRaw(t, path, "DROP TABLE messages", "DROP TABLE message_counts")

	ro := openStore(t, path, Options{ReadOnly: true})
	if got, err := ro.Messages(f.ID, 0, 10); err != nil || len(got) != 0 {
		t.Fatalf("read-only, no tables: %v, %v", got, err)
	}
	mustClose(t, ro)

	s = openStore(t, path, Options{})
	if err := s.AddMessage(f.ID, msg(1, Down)); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	ro = openStore(t, path, Options{ReadOnly: true})
	if got, err := ro.Messages(f.ID, 0, 10); err != nil || len(got) != 1 {
		t.Fatalf("after a writer created the tables: %v, %v", got, err)
	}
}

func TestMessagesDeletedWithTheirFlow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{FlushInterval: never})
	a, b, c := wsFlow(), wsFlow(), wsFlow()
	for _, f := range []*Flow{a, b, c} {
		s.Add(f)
		s.AddMessage(f.ID, msg(1, Up))
	}
	mustFlush(t, s)
	s.AddMessage(a.ID, msg(2, Down)) // pending when deleted
	if err := s.Delete(a.ID); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	s = openStore(t, path, Options{FlushInterval: never})
	if got, _ := s.Messages(a.ID, 0, 10); len(got) != 0 || s.MessageStats(a.ID) != (MessageStats{}) {
		t.Errorf("deleted flow's messages: %+v %+v", got, s.MessageStats(a.ID))
	}
	if got, _ := s.Messages(b.ID, 0, 10); len(got) != 1 {
		t.Errorf("other flow lost its messages: %+v", got)
	}
	if err := s.Clear(); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	s = openStore(t, path, Options{})
	if got, _ := s.Messages(c.ID, 0, 10); len(got) != 0 {
		t.Errorf("cleared session kept messages: %+v", got)
	}
}

func TestAddMessageErrors(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	if err := s.AddMessage("nope", msg(1, Up)); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown flow: %v", err)
	}
	f := wsFlow()
	s.Add(f)
	mustClose(t, s)
	if err := s.AddMessage(f.ID, msg(1, Up)); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

func TestMessageWriteErrorKeepsMessages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{FlushInterval: never, OnError: func(error) {}})
	f := wsFlow()
	s.Add(f)
	mustFlush(t, s)
	execRaw(t, path, `CREATE TRIGGER fail BEFORE INSERT ON messages
		BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END`)
	for i := range 3 {
		s.AddMessage(f.ID, msg(i, Up))
	}
	if err := s.Flush(); err == nil || !strings.Contains(err.Error(), "disk full (test)") {
		t.Fatalf("Flush = %v", err)
	}
	if got := allMessages(t, s, f.ID); len(got) != 3 {
		t.Fatalf("after a failed write: %d messages readable", len(got))
	}
	s.AddMessage(f.ID, msg(3, Up))
	execRaw(t, path, "DROP TRIGGER fail")
	mustClose(t, s)
	s = openStore(t, path, Options{})
	if got := allMessages(t, s, f.ID); len(got) != 4 || got[3].Seq != 4 {
		t.Fatalf("after recovery: %d messages", len(got))
	}
}

// TestMessagesWhileTheDiskFallsBehind checks that payloads waiting for the
// writer stay bounded: past the limit messages keep their counts and
// sizes, not their payloads, until a commit catches up.
func TestMessagesWhileTheDiskFallsBehind(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := openStore(t, path, Options{FlushInterval: never, BatchSize: 1 << 30})
	s.mu.Lock()
	s.msgMemLimit = 1000
	s.mu.Unlock()
	f := wsFlow()
	s.Add(f)
	payload := bytes.Repeat([]byte("p"), 300)
	add := func() {
		if err := s.AddMessage(f.ID, Message{Opcode: OpBinary, Data: payload, Size: 300}); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		add()
	}
	mustFlush(t, s)
	add() // the disk caught up: kept again
	mustClose(t, s)
	s = openStore(t, path, Options{})
	got := allMessages(t, s, f.ID)
	if len(got) != 6 {
		t.Fatalf("%d messages", len(got))
	}
	for i, m := range got {
		kept := i < 3 || i == 5
		if kept != bytes.Equal(m.Data, payload) || m.Size != 300 || m.Truncated == kept ||
			(m.Note == noteBehind) == kept {
			t.Errorf("message %d: %d bytes, size %d, truncated %v, note %q", i, len(m.Data), m.Size, m.Truncated, m.Note)
		}
	}
}
