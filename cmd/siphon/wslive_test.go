package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/siphonproxy/siphon/filter"
	"github.com/siphonproxy/siphon/session"
)

// TestPrinterWebSocketMessagesLive drives the dump printer as the proxy
// does: a WebSocket flow added, upgraded, messages from both directions at
// once, then done. Each message is printed as it comes, tagged; the close
// prints the line and a count, and the cap note. A filter on payloads,
// which only the close can decide, lists the messages under the line
// instead; a flow the filter leaves out prints nothing.
func TestPrinterWebSocketMessagesLive(t *testing.T) {
	for _, tc := range []struct {
		filter  string
		live    bool // messages printed as they come
		printed bool // the flow's line printed
		listing bool // the messages listed under it
	}{
		{"", true, true, false},
		{"~u /chat", true, true, false},
		{"~bq up-3", false, true, true},
		{"~u /elsewhere", false, false, false},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			store, err := session.Open(filepath.Join(t.TempDir(), "s.db"), session.Options{MessageCap: map[bool]int{false: 6, true: 100}[tc.listing]})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			m, err := filter.Parse(tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			p := newPrinter(store, m, &out)
			p.messages = true

			f := &session.Flow{Kind: session.WebSocket, State: session.Pending, Client: session.Peer{Addr: "127.0.0.1:5000"},
				Request: &session.Request{Method: "GET", URL: "http://x.test/chat", Proto: "HTTP/1.1"}}
			p.Add(f)
			f.Response = &session.Response{Status: 101, Proto: "HTTP/1.1"}
			p.Update(f)
			var wg sync.WaitGroup
			for _, dir := range []session.Direction{session.Up, session.Down} {
				wg.Go(func() {
					for i := range 4 {
						data := fmt.Sprintf("%s-%d", map[session.Direction]string{session.Up: "up", session.Down: "down"}[dir], i)
						p.AddMessage(f.ID, session.Message{Dir: dir, Opcode: session.OpText, Time: session.Now(), Data: []byte(data), Size: int64(len(data))})
					}
				})
			}
			wg.Wait()
			f.State = session.Done
			p.Update(f)
			p.close()

			text := out.String()
			lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
			live := 0
			for _, l := range lines {
				if strings.HasPrefix(l, "127.0.0.1:5000 http://x.test/chat ") {
					live++
				}
			}
			if want := map[bool]int{true: 8}[tc.live]; live != want {
				t.Errorf("%d live message lines, want %d:\n%s", live, want, text)
			}
			if printed := strings.Contains(text, " GET http://x.test/chat -> 101"); printed != tc.printed {
				t.Fatalf("flow line printed %v, want %v:\n%s", printed, tc.printed, text)
			}
			if !tc.printed {
				if text != "" {
					t.Errorf("printed for a flow the filter leaves out:\n%s", text)
				}
				return
			}
			n := len(lines)
			if tc.listing {
				// All eight under the line (the cap is not reached: which
				// message it would leave out is down to the goroutines).
				if n != 9 || !strings.Contains(lines[0], " GET http://x.test/chat -> 101") {
					t.Fatalf("listing under the line:\n%s", text)
				}
				for _, l := range lines[1:] {
					if !strings.HasPrefix(l, "  → ") && !strings.HasPrefix(l, "  ← ") {
						t.Errorf("listed %q:\n%s", l, text)
					}
				}
				return
			}
			if lines[n-2] != "  8 messages printed as they came: 4 →, 4 ←" || lines[n-1] != "  … 2 more messages past the message cap, counted but not stored" {
				t.Errorf("the close's summary:\n%s", text)
			}
		})
	}
}
