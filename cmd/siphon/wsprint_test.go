package main

import (
	"bufio"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/session"
)

func TestFormatMessage(t *testing.T) {
	start := session.StampOf(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	at := start + session.Stamp(1500*time.Millisecond)
	cases := []struct {
		m    session.Message
		want string
	}{
		{session.Message{Dir: session.Up, Time: at, Opcode: session.OpText, Data: []byte("a\nb"), Size: 3},
			"  →   +1.500s       3B text   a b"},
		{session.Message{Dir: session.Down, Time: at, Opcode: session.OpText, Data: []byte(strings.Repeat("é", 70)), Size: 140},
			"  ←   +1.500s     140B text   " + strings.Repeat("é", 60) + "…"},
		{session.Message{Dir: session.Down, Opcode: session.OpBinary, Data: []byte{0xde, 0xad}, Size: 2 << 20, Truncated: true},
			"  ←         -   2.0MiB binary dead (truncated)"},
		{session.Message{Dir: session.Up, Time: at, Opcode: session.OpClose, Data: []byte{3}, Size: 1, Note: "close payload of 1 byte: a status code takes 2"},
			"  →   +1.500s       1B close  03 [close payload of 1 byte: a status code takes 2]"},
		{session.Message{Dir: session.Up, Time: at, Opcode: session.OpClose},
			"  →   +1.500s       0B close  1005"},
		{session.Message{Dir: session.Up, Time: at, Opcode: session.Opcode(3), Note: "bad opcode 3"},
			"  →   +1.500s       0B opcode 3 [bad opcode 3]"},
	}
	for _, tc := range cases {
		if got := formatMessage(&tc.m, start); got != tc.want {
			t.Errorf("formatMessage(%v %v)\n got %q\nwant %q", tc.m.Dir, tc.m.Opcode, got, tc.want)
		}
	}
}

// TestPrintMessagesSaysTheCap checks that a flow past the message cap
// says how many messages were only counted.
func TestPrintMessagesSaysTheCap(t *testing.T) {
	store, err := session.Open(filepath.Join(t.TempDir(), "s.db"), session.Options{MessageCap: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	f := &session.Flow{Kind: session.WebSocket, State: session.Done, Request: &session.Request{Method: "GET", URL: "http://x/ws"}}
	store.Add(f)
	for range 5 {
		if err := store.AddMessage(f.ID, session.Message{Opcode: session.OpText, Data: []byte("m"), Size: 1}); err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	w := bufio.NewWriter(&b)
	if err := printMessages(w, store, f); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 4 || lines[3] != "  … 2 more messages past the message cap, counted but not stored" {
		t.Errorf("printed:\n%s", b.String())
	}
}
