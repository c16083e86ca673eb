package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// In a read-only session, mark, delete, comment and clear say that the
// change is not saved, in the list and the flow view, and change nothing:
// the store holds what it held. The hint bar leaves them out, with the
// replay keys, and help says why they do not act.
func TestReadOnlyRefusesChanges(t *testing.T) {
	store := fixedStore(t)
	before := storeSummary(store)
	tm := start(t, store, 120, 24, WithReadOnly())
	waitScreen(t, tm, "/v1/slow")
	press(tm, keymap.ScopeList, keymap.ActMark)
	waitScreen(t, tm, "read-only session: marks are not saved (restart without --readonly)")
	press(tm, keymap.ScopeList, keymap.ActDelete)
	waitScreen(t, tm, "read-only session: flows are not deleted")
	press(tm, keymap.ScopeList, keymap.ActComment)
	waitScreen(t, tm, "read-only session: comments are not saved")
	press(tm, keymap.ScopeList, keymap.ActClear)
	waitScreen(t, tm, "read-only session: the session is not cleared")
	press(tm, keymap.ScopeList, keymap.ActOpen)
	waitScreen(t, tm, "Request")
	press(tm, keymap.ScopeFlow, keymap.ActMark)
	waitScreen(t, tm, "read-only session: marks are not saved")
	press(tm, keymap.ScopeFlow, keymap.ActComment)
	waitScreen(t, tm, "read-only session: comments are not saved")
	m := finish(t, tm)

	if m.line.Asking() {
		t.Errorf("a prompt is open: %s", m.View())
	}
	if after := storeSummary(store); !slices.Equal(before, after) {
		t.Errorf("the store changed:\n%s\nwas:\n%s", strings.Join(after, "\n"), strings.Join(before, "\n"))
	}
	refused := []keymap.Action{keymap.ActMark, keymap.ActDelete, keymap.ActComment, keymap.ActClear, keymap.ActReplay, keymap.ActReplayAll}
	for _, pg := range []page{pageList, pageFlow} {
		m.page = pg
		hints := hintParts(m.hints())
		for _, a := range refused {
			if h := hintFor(m.keys, pages[m.page].scope, a); h != "" && slices.Contains(hints, h) {
				t.Errorf("%s hint bar offers %q: %q", m.State().Page, h, hints)
			}
		}
		if h := hintFor(m.keys, pages[m.page].scope, keymap.ActExport); !slices.Contains(hints, h) {
			t.Errorf("%s hint bar lacks %q, which a read-only session can do: %q", m.State().Page, h, hints)
		}
	}
	help := helpText(m)
	for _, want := range []string{"mark (not in a read-only session)", "comment (not in a read-only session)",
		"replay (needs the proxy: not in a read-only session)", "resume (needs the proxy", "export\n"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// A session that is not read-only offers the same keys, and they act.
func TestWritableSessionOffersChanges(t *testing.T) {
	store := fixedStore(t)
	tm := start(t, store, 120, 24)
	waitScreen(t, tm, "/v1/slow")
	press(tm, keymap.ScopeList, keymap.ActMark)
	m := finish(t, tm)
	if f := storedSeq(t, store, 1); !f.Marked {
		t.Errorf("m did not mark flow #1")
	}
	hints := hintParts(m.hints())
	for _, a := range []keymap.Action{keymap.ActMark, keymap.ActDelete, keymap.ActComment} {
		if h := hintFor(m.keys, keymap.ScopeList, a); !slices.Contains(hints, h) {
			t.Errorf("hint bar lacks %q: %q", h, hints)
		}
	}
	if help := helpText(m); strings.Contains(help, "read-only") {
		t.Errorf("help of a writable session says read-only")
	}
}

// storeSummary is what the UI could change in the store's flows.
func storeSummary(store *session.Store) []string {
	var out []string
	for _, f := range store.List(nil, 0, -1) {
		out = append(out, fmt.Sprintf("#%d %s marked=%v comment=%q", f.Seq, f.ID, f.Marked, f.Comment))
	}
	return out
}

// hintParts splits a hint bar into its "key action" pairs.
func hintParts(bar string) []string {
	var out []string
	for _, p := range strings.Split(bar, "  ") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// hintFor is how the hint bar writes action's binding in scope.
func hintFor(km keymap.Map, scope keymap.Scope, a keymap.Action) string {
	for _, b := range km.InScope(scope) {
		if b.Action == a {
			return keymap.KeyLabel(b.Key.Help().Key) + " " + b.Key.Help().Desc
		}
	}
	return ""
}
