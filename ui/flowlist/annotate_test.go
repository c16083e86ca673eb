package flowlist

import (
	"github.com/siphonproxy/siphon/ui/prompt"
	"net/http"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// typingHost types answer into every input.
type typingHost struct{ answer string }

func (h typingHost) Say(string) tea.Cmd { return nil }
func (h typingHost) Ask(_, _ string, _ func(string) error, then func(string) tea.Cmd) tea.Cmd {
	return then(h.answer)
}
func (h typingHost) Confirm(_ string, then func() tea.Cmd) tea.Cmd              { return then() }
func (h typingHost) Asking() bool                                               { return false }
func (h typingHost) Choose(string, []prompt.Choice, func(rune) tea.Cmd) tea.Cmd { return nil }

// updates records the flows saved.
type updates struct{ saved []*session.Flow }

func (u *updates) Delete(...string) error       { return nil }
func (u *updates) Clear() error                 { return nil }
func (u *updates) Changed() <-chan struct{}     { return nil }
func (u *updates) Flush() error                 { return nil }
func (u *updates) Update(f *session.Flow) error { u.saved = append(u.saved, f); return nil }

// m and ; save the mark and the comment without the bodies (the store
// keeps its own); the flow view's own copy changes too, the list's
// snapshot does not.
func TestAnnotateSavesWithoutBodies(t *testing.T) {
	store := &updates{}
	l := &Model{host: typingHost{answer: "needs auth"}, store: store}
	body := session.Body{Data: []byte("secret"), Size: 6}
	f := &session.Flow{ID: "a", Seq: 1, Request: &session.Request{Method: "GET", URL: "http://h.test/", Header: http.Header{}, Body: body},
		Response: &session.Response{Status: 200, Header: http.Header{}, Body: body}}
	l.Annotate(keymap.ActMark, f, false)
	l.Annotate(keymap.ActComment, f, true)
	if len(store.saved) != 2 {
		t.Fatalf("saved %d flows, want 2", len(store.saved))
	}
	marked, commented := store.saved[0], store.saved[1]
	if !marked.Marked || f.Marked {
		t.Errorf("mark: saved %v, the list's snapshot changed to %v", marked.Marked, f.Marked)
	}
	if commented.Comment != "needs auth" || f.Comment != "needs auth" {
		t.Errorf("comment: saved %q, the view's copy %q", commented.Comment, f.Comment)
	}
	for _, s := range store.saved {
		if !s.Request.Body.Unloaded || s.Request.Body.Data != nil || !s.Response.Body.Unloaded || s.Response.Body.Data != nil {
			t.Errorf("saved bodies %+v, %+v: want them left to the store", s.Request.Body, s.Response.Body)
		}
	}
	if string(f.Request.Body.Data) != "secret" {
		t.Errorf("the caller's flow lost its body")
	}
}
