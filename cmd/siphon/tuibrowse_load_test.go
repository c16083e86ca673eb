package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// siphon --readonly over a session loads it in the background: the list
// and its count follow the load to the last flow, oldest first on top.
func TestTUIReadonlyLoadsSessionInTheBackground(t *testing.T) {
	const n = 5000
	path := filepath.Join(t.TempDir(), "big.db")
	s, err := session.Open(path, session.Options{})
	must(t, err)
	for i := range n {
		s.Add(&session.Flow{State: session.Done,
			Request:  &session.Request{Method: "GET", URL: fmt.Sprintf("http://big.test/item/%d", i+1), Proto: "HTTP/1.1", Header: http.Header{}},
			Response: &session.Response{Status: 200, Proto: "HTTP/1.1", Header: http.Header{}},
			Timings:  session.Timings{RequestReceived: session.Stamp(1_700_000_000_000_000_000 + int64(i)*1e6)}})
	}
	must(t, s.Close())

	m, closeStore, err := browseModel(t.Context(), path, "")
	must(t, err)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(160, 30))
	waitScreen(t, tm, fmt.Sprintf("read-only · big.db · %d flows · sort", n), "/item/1 ", "/item/2 ")
	km := keymap.Default()
	tm.Send(km.KeyMsg(keymap.ScopeList, keymap.ActBottom))
	waitScreen(t, tm, fmt.Sprintf("/item/%d ", n))
	tm.Send(km.KeyMsg(keymap.ScopeGlobal, keymap.ActQuitNow))
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	must(t, closeStore())
}
