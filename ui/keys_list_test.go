package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// lineWith returns the first line of view that contains s, "" if none.
func lineWith(view, s string) string {
	for _, l := range strings.Split(view, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// F makes the cursor follow the newest flow as flows arrive; F again, or
// moving the cursor, stops it.
func TestFollowKey(t *testing.T) {
	store := fixedStore(t)
	tm := start(t, store, 120, 24)
	waitScreen(t, tm, "/v1/slow")
	press(tm, keymap.ScopeList, keymap.ActFollow)
	waitScreen(t, tm, "following the newest flow", "sort: time▲ · follow")
	store.Add(timed(&session.Flow{State: session.Done, Request: req("GET", "https://api.example.com/v1/new", nil, ""),
		Response: resp(200, "text/plain", []byte("new"))}, 20, time.Millisecond))
	waitScreen(t, tm, "/v1/new", "11 flows")
	m := finish(t, tm)
	if st := m.State(); !st.Follow || st.Selected == nil || st.Selected.Seq != 11 {
		t.Fatalf("following: follow %v, cursor on %+v; want the new flow #11", st.Follow, st.Selected)
	}
	if l := lineWith(m.View(), "/v1/new"); !strings.HasPrefix(l, "›") {
		t.Errorf("the cursor is not drawn on the new flow: %q", l)
	}

	tm = start(t, store, 120, 24)
	waitScreen(t, tm, "/v1/new")
	press(tm, keymap.ScopeList, keymap.ActFollow)
	waitScreen(t, tm, "following the newest flow")
	press(tm, keymap.ScopeList, keymap.ActFollow)
	waitScreen(t, tm, "follow off")
	if st := finish(t, tm).State(); st.Follow {
		t.Errorf("F twice left follow on")
	}
}

// O reverses the order: the newest flow comes first and the header and
// status bar say ▼.
func TestReverseKey(t *testing.T) {
	tm := start(t, fixedStore(t), 120, 24)
	waitScreen(t, tm, "/v1/slow")
	press(tm, keymap.ScopeList, keymap.ActReverse)
	// The rows are drawn again once the view is sorted again.
	waitScreen(t, tm, "sort: time▼", "/v1/slow", "/v1/upload", "/v1/projects/42")
	m := finish(t, tm)
	lines := strings.Split(m.View(), "\n")
	if !strings.Contains(lines[0], "time▼") || !strings.Contains(lines[1], "/v1/slow") || !strings.Contains(lines[10], "/v1/projects/42") {
		t.Errorf("reversed list:\n%s", strings.Join(lines[:11], "\n"))
	}
	// The cursor stays on the flow it was on, now the last row.
	if st := m.State(); !st.Reverse || st.Selected == nil || st.Selected.Seq != 1 || !strings.HasPrefix(lines[10], "›") {
		t.Errorf("state: reverse %v, cursor on %+v, row 10 %q", st.Reverse, st.Selected, lines[10])
	}
}

// d deletes the flow under the cursor from the store; z asks before
// clearing the session, and no keeps it.
func TestDeleteAndClearKeys(t *testing.T) {
	store := fixedStore(t)
	tm := start(t, store, 120, 24)
	waitScreen(t, tm, "/v1/slow")
	press(tm, keymap.ScopeList, keymap.ActDown)
	press(tm, keymap.ScopeList, keymap.ActDelete)
	waitScreen(t, tm, "deleted flow #2", "9 flows")
	if store.Len() != 9 || lineWithSeq(store, 2) != nil {
		t.Fatalf("after d: %d flows in the store, #2 still there: %v", store.Len(), lineWithSeq(store, 2) != nil)
	}

	press(tm, keymap.ScopeList, keymap.ActClear)
	waitScreen(t, tm, "delete all 9 flows from the session?")
	tm.Send(keymap.Default().KeyMsg(keymap.ScopePrompt, keymap.ActCancel))
	waitScreen(t, tm, "9 flows · sort") // the status bar is back
	if store.Len() != 9 {
		t.Fatalf("z answered no: the store has %d flows", store.Len())
	}
	press(tm, keymap.ScopeList, keymap.ActClear)
	waitScreen(t, tm, "delete all 9 flows from the session?")
	tm.Send(keymap.Default().KeyMsg(keymap.ScopePrompt, keymap.ActConfirm))
	waitScreen(t, tm, "cleared the session", "0 flows", "no flows yet")
	finish(t, tm)
	if store.Len() != 0 {
		t.Errorf("z answered yes: the store has %d flows", store.Len())
	}
}

// lineWithSeq is the stored flow with sequence number seq, nil if none.
func lineWithSeq(store *session.Store, seq int64) *session.Flow {
	for _, f := range store.List(nil, 0, -1) {
		if f.Seq == seq {
			return f
		}
	}
	return nil
}

// ; comments the flow under the cursor, or the open one (starting from
// its comment), and the comment reaches the store.
func TestCommentKey(t *testing.T) {
	store := fixedStore(t)
	tm := start(t, store, 120, 24)
	waitScreen(t, tm, "/v1/slow")
	press(tm, keymap.ScopeList, keymap.ActComment)
	waitScreen(t, tm, "comment #1: ")
	typeText(tm, "needs auth")
	press(tm, keymap.ScopeList, keymap.ActDown)
	press(tm, keymap.ScopeList, keymap.ActDown)
	press(tm, keymap.ScopeList, keymap.ActOpen)
	waitScreen(t, tm, "#3", "logo.png")
	press(tm, keymap.ScopeFlow, keymap.ActComment)
	waitScreen(t, tm, "comment #3: check the cache headers")
	typeText(tm, " twice")
	press(tm, keymap.ScopeFlow, keymap.ActNextTab)
	press(tm, keymap.ScopeFlow, keymap.ActNextTab)
	waitScreen(t, tm, "check the cache headers twice") // the Details tab
	finish(t, tm)
	if c := storedSeq(t, store, 1).Comment; c != "needs auth" {
		t.Errorf("flow #1 comment %q", c)
	}
	if c := storedSeq(t, store, 3).Comment; c != "check the cache headers twice" {
		t.Errorf("flow #3 comment %q", c)
	}
}

// q asks before quitting (no goes on, yes quits); Q quits at once, and the
// store's pending flows are written first.
func TestQuitKeys(t *testing.T) {
	tm := start(t, fixedStore(t), 120, 24)
	waitScreen(t, tm, "/v1/slow")
	press(tm, keymap.ScopeList, keymap.ActQuit)
	waitScreen(t, tm, "quit siphon?")
	tm.Send(keymap.Default().KeyMsg(keymap.ScopePrompt, keymap.ActCancel))
	press(tm, keymap.ScopeList, keymap.ActDown)
	press(tm, keymap.ScopeList, keymap.ActOpen)
	waitScreen(t, tm, "[Request]", "/v1/login") // still running
	press(tm, keymap.ScopeFlow, keymap.ActBack)
	press(tm, keymap.ScopeList, keymap.ActQuit)
	waitScreen(t, tm, "quit siphon?")
	tm.Send(keymap.Default().KeyMsg(keymap.ScopePrompt, keymap.ActConfirm))
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))

	// A store that commits only when asked: nothing is in the file until Q.
	path := t.TempDir() + "/q.db"
	store, err := session.Open(path, session.Options{FlushInterval: time.Hour, BatchSize: 1 << 20})
	must(t, err)
	t.Cleanup(func() { store.Close() })
	for _, f := range fixedFlows() {
		store.Add(f)
	}
	tm = start(t, store, 120, 24)
	waitScreen(t, tm, "/v1/slow")
	// The comment is made, then Q: the program takes keys in order, and
	// the screen ends as it was, so there is nothing to wait for between.
	press(tm, keymap.ScopeList, keymap.ActComment)
	typeText(tm, "saved by Q")
	if n := storedLen(t, path); n != 0 {
		t.Fatalf("before Q the file holds %d flows; the test needs a store that has not committed", n)
	}
	press(tm, keymap.ScopeGlobal, keymap.ActQuitNow)
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	ro, err := session.Open(path, session.Options{ReadOnly: true})
	must(t, err)
	defer ro.Close()
	first := ro.List(nil, 0, 1)
	if ro.Len() != 10 || len(first) != 1 || first[0].Comment != "saved by Q" {
		t.Fatalf("after Q the file holds %d flows, first %+v", ro.Len(), first)
	}
}

// storedLen is how many flows the session file at path holds on disk.
func storedLen(t *testing.T, path string) int {
	t.Helper()
	ro, err := session.Open(path, session.Options{ReadOnly: true})
	must(t, err)
	defer ro.Close()
	return ro.Len()
}

// The mouse wheel moves the list's cursor three rows at a time.
func TestMouseWheelOnList(t *testing.T) {
	tm := start(t, fixedStore(t), 120, 24)
	waitScreen(t, tm, "/v1/slow")
	tm.Send(tea.MouseMsg{X: 10, Y: 5, Button: tea.MouseButtonWheelDown, Action: tea.MouseActionPress})
	tm.Send(tea.MouseMsg{X: 10, Y: 5, Button: tea.MouseButtonWheelDown, Action: tea.MouseActionPress})
	tm.Send(tea.MouseMsg{X: 10, Y: 5, Button: tea.MouseButtonWheelUp, Action: tea.MouseActionPress})
	m := finish(t, tm)
	if st := m.State(); st.Selected == nil || st.Selected.Seq != 4 {
		t.Fatalf("after wheel down, down, up the cursor is on %+v, want #4", st.Selected)
	}
	if l := lineWith(m.View(), "/v1/projects/43"); !strings.HasPrefix(l, "›") {
		t.Errorf("the cursor is not drawn on #4: %q", l)
	}
}

// A resize redraws every page at the new size: exactly the new height,
// no line wider than the new width; growing shows the rows that did not
// fit.
func TestResize(t *testing.T) {
	tm := start(t, fixedStore(t), 120, 24)
	waitScreen(t, tm, "/v1/slow")
	tm.Send(tea.WindowSizeMsg{Width: 50, Height: 8})
	m := finish(t, tm)
	checkSize(t, m.View(), 50, 8)
	// Five rows fit: flows #1 to #5, not #6 (down.example.net).
	if !strings.Contains(m.View(), "5 DELETE") || strings.Contains(m.View(), "down.e") {
		t.Errorf("at 50×8 the list shows:\n%s", m.View())
	}

	tm = start(t, fixedStore(t), 50, 8)
	waitScreen(t, tm, "5 DELETE")
	tm.Send(tea.WindowSizeMsg{Width: 140, Height: 30})
	waitScreen(t, tm, "/v1/slow")
	press(tm, keymap.ScopeList, keymap.ActOpen)
	waitScreen(t, tm, "[Request]")
	tm.Send(tea.WindowSizeMsg{Width: 70, Height: 12})
	m = finish(t, tm)
	checkSize(t, m.View(), 70, 12)
	if m.State().Page != "flow" || !strings.Contains(m.View(), "[Request]") {
		t.Errorf("after a resize in the flow view:\n%s", m.View())
	}
}

func checkSize(t *testing.T, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) != h {
		t.Errorf("%d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("line %d is %d wide, want at most %d: %q", i, n, w, l)
		}
	}
}
