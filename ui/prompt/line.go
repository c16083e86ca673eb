package prompt

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/style"
)

// Line is the bottom of the screen: the status bar's message, which
// expires, and the prompt when one is open. It implements Host.
type Line struct {
	keys  keymap.Map
	st    style.Styles
	ttl   time.Duration // how long a message shows
	width int

	prompt *Model
	then   func(string) tea.Cmd // acts on the confirmed answer to the prompt
	text   string               // the message
	serial int                  // of the message, to expire the right one
}

var _ Host = (*Line)(nil)

// expireMsg clears the message with the given serial number.
type expireMsg struct{ serial int }

// NewLine returns an empty line whose messages show for ttl.
func NewLine(keys keymap.Map, st style.Styles, ttl time.Duration) *Line {
	return &Line{keys: keys, st: st, ttl: ttl}
}

// Say implements Host.
func (l *Line) Say(text string) tea.Cmd {
	l.text = text
	l.serial++
	serial := l.serial
	return tea.Tick(l.ttl, func(time.Time) tea.Msg { return expireMsg{serial} })
}

// SetMessage shows text until the next message, without expiring it.
func (l *Line) SetMessage(text string) { l.text = text }

// Message returns the message shown, "" for none.
func (l *Line) Message() string { return l.text }

// Ask implements Host.
func (l *Line) Ask(label, value string, check func(string) error, then func(string) tea.Cmd) tea.Cmd {
	p, cmd := NewInput(label, value, check, l.keys, l.st)
	return l.open(p, then, cmd)
}

// Confirm implements Host.
func (l *Line) Confirm(question string, then func() tea.Cmd) tea.Cmd {
	return l.open(NewConfirm(question, l.keys, l.st), func(string) tea.Cmd { return then() }, nil)
}

// Choose implements Host.
func (l *Line) Choose(question string, choices []Choice, then func(rune) tea.Cmd) tea.Cmd {
	return l.open(NewChoice(question, choices, l.keys, l.st), func(v string) tea.Cmd { return then([]rune(v)[0]) }, nil)
}

// Asking implements Host.
func (l *Line) Asking() bool { return l.prompt != nil }

// TakesText reports whether the prompt open reads text: keys that arrive
// together are then text, not separate keys to split.
func (l *Line) TakesText() bool { return l.prompt != nil && l.prompt.input != nil }

func (l *Line) open(p Model, then func(string) tea.Cmd, cmd tea.Cmd) tea.Cmd {
	p.SetWidth(l.width)
	l.prompt, l.then = &p, then
	return cmd
}

// SetWidth sets the line's width.
func (l *Line) SetWidth(w int) {
	l.width = w
	if l.prompt != nil {
		l.prompt.SetWidth(w)
	}
}

// Update takes in keys while a prompt is open (the owner sends them only
// then), Status messages, expiries, and the input's cursor blink. A
// confirmed answer runs the prompt's then in the same Update, so that
// keys typed right after enter are not taken as more input.
func (l *Line) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case Status:
		return l.Say(msg.Text)
	case expireMsg:
		if msg.serial == l.serial {
			l.text = ""
		}
		return nil
	}
	if l.prompt == nil {
		return nil
	}
	p, cmd := l.prompt.Update(msg)
	l.prompt = &p
	res := p.Result()
	if res == nil {
		return cmd
	}
	then := l.then
	l.prompt, l.then = nil, nil
	if !res.OK || then == nil {
		return cmd
	}
	return tea.Batch(cmd, then(res.Value))
}

// View draws two lines: the prompt when one is open, else the status bar
// (bar) and the hint bar (hints).
func (l *Line) View(bar, hints func() string) string {
	if l.prompt != nil {
		return l.prompt.View()
	}
	return bar() + "\n" + hints()
}
