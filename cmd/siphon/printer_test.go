package main

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siphonproxy/siphon/internal/testutil"
	"github.com/siphonproxy/siphon/session"
)

// writeCounter is an io.Writer that counts its writes, and sends each on
// wrote when that is not nil.
type writeCounter struct {
	mu     sync.Mutex
	writes int
	text   strings.Builder
	wrote  chan string
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes++
	if w.wrote != nil {
		w.wrote <- string(p)
	}
	return w.text.Write(p)
}

func (w *writeCounter) state() (int, string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.writes, w.text.String()
}

func donePrinterFlow(i int) *session.Flow {
	return &session.Flow{State: session.Done, Client: session.Peer{Addr: "127.0.0.1:5000"},
		Request:  &session.Request{Method: "GET", URL: "http://x.test/" + strings.Repeat("a", i), Proto: "HTTP/1.1"},
		Response: &session.Response{Status: 200, Proto: "HTTP/1.1"}}
}

// TestPrinterBatchesLines: lines that come while a batch is held are
// printed together, in one write, not one write a flow; closing prints
// the batch at once.
func TestPrinterBatchesLines(t *testing.T) {
	store, err := session.Open(filepath.Join(t.TempDir(), "s.db"), session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var out writeCounter
	p := newPrinter(store, nil, &out)
	p.hold = time.Hour
	const n = 50
	for i := range n {
		p.Add(donePrinterFlow(i))
	}
	p.close()
	writes, text := out.state()
	if got := strings.Count(text, " GET http://x.test/"); got != n {
		t.Fatalf("%d lines printed, want %d:\n%s", got, n, text)
	}
	if writes != 1 {
		t.Errorf("%d writes for %d lines, want one", writes, n)
	}
}

// TestPrinterLinePromptly: a line is printed without waiting for more,
// or for the close, once its batch's hold is over.
func TestPrinterLinePromptly(t *testing.T) {
	store, err := session.Open(filepath.Join(t.TempDir(), "s.db"), session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	out := writeCounter{wrote: make(chan string, 4)}
	p := newPrinter(store, nil, &out)
	defer p.close()
	p.hold = time.Millisecond
	for round := range 3 {
		p.Add(donePrinterFlow(round))
		want := "http://x.test/" + strings.Repeat("a", round) + " "
		if got := testutil.Receive(t, out.wrote, "the flow's line"); !strings.Contains(got, want) {
			t.Fatalf("printed %q, want the line of %s", got, want)
		}
	}
}
