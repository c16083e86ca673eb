package ui

import (
	"errors"
	"strings"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/siphonproxy/siphon/filter"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/style"
)

// promptDoneMsg reports how a prompt ended: for what it was asked, the
// text typed (inputs), and whether the user confirmed.
type promptDoneMsg struct {
	purpose keymap.Action
	value   string
	ok      bool
}

// Prompt asks a yes/no question or reads a line (filter, search, comment,
// path) in the two bottom lines of the screen. An input with a check (a
// filter expression, a rule's action) is checked as it is typed: the error
// is shown under the text, at its offset for a filter's syntax error, and
// enter does nothing until it is fixed.
type Prompt struct {
	keys     keymap.Map
	st       style.Styles
	width    int
	purpose  keymap.Action
	question string
	input    *textinput.Model // nil for a yes/no question
	check    func(string) error
	err      error
	result   *promptDoneMsg // set when the prompt has ended
}

// NewConfirm returns a yes/no question.
func NewConfirm(purpose keymap.Action, question string, keys keymap.Map, st style.Styles) Prompt {
	return Prompt{keys: keys, st: st, purpose: purpose, question: question}
}

// NewInput returns a one-line input that starts with value. With isFilter
// set, the text is validated as a filter expression.
func NewInput(purpose keymap.Action, label, value string, isFilter bool, keys keymap.Map, st style.Styles) (Prompt, tea.Cmd) {
	var check func(string) error
	if isFilter {
		check = checkFilter
	}
	return NewCheckedInput(purpose, label, value, check, keys, st)
}

// NewCheckedInput returns a one-line input that starts with value and is
// checked with check (nil for none) as it is typed.
func NewCheckedInput(purpose keymap.Action, label, value string, check func(string) error, keys keymap.Map, st style.Styles) (Prompt, tea.Cmd) {
	in := textinput.New()
	in.Prompt = label + ": "
	in.PromptStyle = st.Accent
	in.CharLimit = filter.MaxLen
	in.SetValue(value)
	in.CursorEnd()
	p := Prompt{keys: keys, st: st, purpose: purpose, question: label, input: &in, check: check}
	p.validate()
	return p, in.Focus()
}

func checkFilter(expr string) error {
	_, err := filter.Parse(expr)
	return err
}

// SetWidth sets the prompt's width.
func (p *Prompt) SetWidth(w int) {
	p.width = w
	if p.input != nil {
		p.input.Width = max(w-len(p.input.Prompt)-1, 1)
	}
}

func (p *Prompt) validate() {
	p.err = nil
	if p.check != nil {
		p.err = p.check(p.input.Value())
	}
}

// Update handles a key; Result says when the prompt has ended.
func (p Prompt) Update(msg tea.Msg) (Prompt, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		if p.input != nil {
			in, cmd := p.input.Update(msg)
			p.input = &in
			return p, cmd
		}
		return p, nil
	}
	scope := keymap.ScopePrompt
	if p.input != nil {
		scope = keymap.ScopeInput
	}
	if b, found := p.keys.Lookup(scope, km); found {
		switch b.Action {
		case keymap.ActConfirm:
			if p.err != nil {
				return p, nil // the error is on screen; nothing to apply
			}
			p.done(true)
			return p, nil
		case keymap.ActCancel:
			p.done(false)
			return p, nil
		}
	}
	if p.input == nil {
		return p, nil
	}
	in, cmd := p.input.Update(msg)
	p.input = &in
	p.validate()
	return p, cmd
}

// done ends the prompt. The owner acts on Result in the same Update, so
// that keys typed right after enter are not taken as more input.
func (p *Prompt) done(ok bool) {
	msg := promptDoneMsg{purpose: p.purpose, ok: ok}
	if p.input != nil {
		msg.value = p.input.Value()
	}
	p.result = &msg
}

// Result returns how the prompt ended, or nil while it is open.
func (p Prompt) Result() *promptDoneMsg { return p.result }

// View draws two lines: the question or input, and help or the error.
func (p Prompt) View() string {
	if p.input == nil {
		return style.Cell(p.st.Accent.Render(p.question)+p.st.Muted.Render("  (y/n)"), p.width) + "\n" +
			keymap.HintLine(p.keys.InScope(keymap.ScopePrompt), p.st, p.width)
	}
	second := keymap.HintLine(p.keys.InScope(keymap.ScopeInput), p.st, p.width)
	var se *filter.SyntaxError
	if errors.As(p.err, &se) {
		// The caret sits under the offending byte of the expression.
		pos := ansi.StringWidth(p.input.Prompt) + ansi.StringWidth(p.input.Value()[:min(se.Offset, len(p.input.Value()))])
		pos = min(pos, max(p.width-2, 0))
		second = style.Cell(strings.Repeat(" ", pos)+p.st.Error.Render("^ "+style.Printable(se.Msg)), p.width)
	} else if p.err != nil {
		second = style.Cell(p.st.Error.Render(style.Printable(p.err.Error())), p.width)
	}
	return style.Cell(p.input.View(), p.width) + "\n" + second
}
