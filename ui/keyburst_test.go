package ui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// Keys that reach the program in one read ("jj" from a held key or tmux
// send-keys) must act as separate presses, not as one unknown key.
func TestKeyBurstActsAsSeparateKeys(t *testing.T) {
	store := fixedStore(t)
	tm := start(t, store, 80, 24)
	waitScreen(t, tm, "example")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jj")})
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitScreen(t, tm, "logo.png", "Request")
	m := finish(t, tm)
	st := m.State()
	if st.Page != "flow" || st.Open == nil || st.Open.Seq != 3 {
		var seq int64
		if st.Open != nil {
			seq = st.Open.Seq
		}
		t.Fatalf("after \"jj\" enter: page %s, open flow #%d; want flow #3", st.Page, seq)
	}
}
