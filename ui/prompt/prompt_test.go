package prompt

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/style"
)

// Words that arrive as bursts of runes (a paste without bracketed paste)
// are text in an input, even those that name keys: up, left, esc, enter.
func TestInputBurstIsText(t *testing.T) {
	st := style.NewStyles(style.DefaultTheme())
	p, _ := NewInput("text", "", nil, keymap.Default(), st)
	for i, w := range []string{"go", "up", "left", "esc", "enter"} {
		if i > 0 {
			p, _ = p.Update(tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
		}
		p, _ = p.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(w)})
	}
	p, _ = p.Update(tea.KeyMsg{Type: tea.KeyEnter})
	if r := p.Result(); r == nil || !r.OK || r.Value != "go up left esc enter" {
		t.Errorf("result %+v, want the words typed", r)
	}
}

// A one-key choice takes its keys, enter for the first, esc to cancel,
// and nothing else.
func TestChoice(t *testing.T) {
	st := style.NewStyles(style.DefaultTheme())
	choices := []Choice{{Key: 's', Label: "the server"}, {Key: 'c', Label: "the client"}}
	for _, tc := range []struct {
		keys []tea.KeyMsg
		want *Result
	}{
		{[]tea.KeyMsg{{Type: tea.KeyRunes, Runes: []rune("x")}, {Type: tea.KeyRunes, Runes: []rune("C")}}, &Result{Value: "c", OK: true}},
		{[]tea.KeyMsg{{Type: tea.KeyEnter}}, &Result{Value: "s", OK: true}},
		{[]tea.KeyMsg{{Type: tea.KeyEsc}}, &Result{}},
		{[]tea.KeyMsg{{Type: tea.KeyRunes, Runes: []rune("n")}}, nil},
	} {
		p := NewChoice("send to", choices, keymap.Default(), st)
		for _, k := range tc.keys {
			p, _ = p.Update(k)
		}
		if got := p.Result(); (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
			t.Errorf("keys %v: result %+v, want %+v", tc.keys, got, tc.want)
		}
	}
}
