package main

import (
	"bufio"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// TestDumpMessagesSayTheAction checks that --ws-messages says what siphon
// did to a message, live and with --read: the action, and for an edit
// the start of the payload the peer sent.
func TestDumpMessagesSayTheAction(t *testing.T) {
	store, err := session.Open(filepath.Join(t.TempDir(), "s.db"), session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var out strings.Builder
	p := newPrinter(store, nil, &out)
	p.messages = true
	f := &session.Flow{Kind: session.WebSocket, State: session.Pending, Client: session.Peer{Addr: "127.0.0.1:5000"},
		Request: &session.Request{Method: "GET", URL: "http://x.test/chat", Proto: "HTTP/1.1"}}
	p.Add(f)
	f.Response = &session.Response{Status: 101, Proto: "HTTP/1.1"}
	p.Update(f)
	for _, m := range []session.Message{
		{Dir: session.Up, Opcode: session.OpText, Data: []byte("telemetry"), Size: 9, Action: session.RuleAction("dropped", "no telemetry")},
		{Dir: session.Up, Opcode: session.OpText, Data: []byte("hi!"), Size: 3, Action: session.ActionEdited, Original: []byte("hi")},
		{Dir: session.Down, Opcode: session.OpText, Data: []byte("psst"), Size: 4, Action: session.ActionInjected},
	} {
		if err := p.AddMessage(f.ID, m); err != nil {
			t.Fatal(err)
		}
	}
	f.State = session.Done
	p.Update(f)
	p.close()
	want := []string{`telemetry [dropped by rule "no telemetry"]`, `hi! [edited; was: hi]`, `psst [injected]`}
	for _, w := range want {
		if !strings.Contains(out.String(), "127.0.0.1:5000 http://x.test/chat ") || !strings.Contains(out.String(), w) {
			t.Errorf("live lines lack %q:\n%s", w, out.String())
		}
	}
	var read strings.Builder
	bw := bufio.NewWriter(&read)
	if err := printMessages(bw, store, f); err != nil {
		t.Fatal(err)
	}
	bw.Flush()
	for _, w := range want {
		if !strings.Contains(read.String(), w) {
			t.Errorf("--read lines lack %q:\n%s", w, read.String())
		}
	}
}

// TestDumpOneMessageSummary checks the close's count of a WebSocket that
// sent one message.
func TestDumpOneMessageSummary(t *testing.T) {
	store, err := session.Open(filepath.Join(t.TempDir(), "s.db"), session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var out strings.Builder
	p := newPrinter(store, nil, &out)
	p.messages = true
	f := &session.Flow{Kind: session.WebSocket, State: session.Pending, Request: &session.Request{Method: "GET", URL: "http://x.test/chat"}}
	p.Add(f)
	if err := p.AddMessage(f.ID, session.Message{Dir: session.Up, Opcode: session.OpText, Data: []byte("hi"), Size: 2}); err != nil {
		t.Fatal(err)
	}
	f.State = session.Done
	p.Update(f)
	p.close()
	if !strings.Contains(out.String(), "\n  1 message printed as they came: 1 →, 0 ←\n") {
		t.Errorf("printed:\n%s", out.String())
	}
}
