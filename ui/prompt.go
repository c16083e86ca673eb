package ui

import (
	"errors"
	"strings"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/siphonproxy/siphon/filter"
)

// promptDoneMsg reports how a prompt ended: for what it was asked, the
// text typed (inputs), and whether the user confirmed.
type promptDoneMsg struct {
	purpose Action
	value   string
	ok      bool
}

// Prompt asks a yes/no question or reads a line (filter, search, comment,
// path) in the two bottom lines of the screen. An input with a check (a
// filter expression, a rule's action) is checked as it is typed: the error
// is shown under the text, at its offset for a filter's syntax error, and
// enter does nothing until it is fixed.
type Prompt struct {
	keys     KeyMap
	st       Styles
	width    int
	purpose  Action
	question string
	input    *textinput.Model // nil for a yes/no question
	check    func(string) error
	err      error
	result   *promptDoneMsg // set when the prompt has ended
}

// NewConfirm returns a yes/no question.
func NewConfirm(purpose Action, question string, keys KeyMap, st Styles) Prompt {
	return Prompt{keys: keys, st: st, purpose: purpose, question: question}
}

// NewInput returns a one-line input that starts with value. With isFilter
// set, the text is validated as a filter expression.
func NewInput(purpose Action, label, value string, isFilter bool, keys KeyMap, st Styles) (Prompt, tea.Cmd) {
	var check func(string) error
	if isFilter {
		check = checkFilter
	}
	return NewCheckedInput(purpose, label, value, check, keys, st)
}

// NewCheckedInput returns a one-line input that starts with value and is
// checked with check (nil for none) as it is typed.
func NewCheckedInput(purpose Action, label, value string, check func(string) error, keys KeyMap, st Styles) (Prompt, tea.Cmd) {
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
	scope := ScopePrompt
	if p.input != nil {
		scope = ScopeInput
	}
	if b, found := p.keys.Lookup(scope, km); found {
		switch b.Action {
		case ActConfirm:
			if p.err != nil {
				return p, nil // the error is on screen; nothing to apply
			}
			p.done(true)
			return p, nil
		case ActCancel:
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
		return cell(p.st.Accent.Render(p.question)+p.st.Muted.Render("  (y/n)"), p.width) + "\n" +
			hintLine(p.keys.InScope(ScopePrompt), p.st, p.width)
	}
	second := hintLine(p.keys.InScope(ScopeInput), p.st, p.width)
	var se *filter.SyntaxError
	if errors.As(p.err, &se) {
		// The caret sits under the offending byte of the expression.
		pos := ansi.StringWidth(p.input.Prompt) + ansi.StringWidth(p.input.Value()[:min(se.Offset, len(p.input.Value()))])
		pos = min(pos, max(p.width-2, 0))
		second = cell(strings.Repeat(" ", pos)+p.st.Error.Render("^ "+printable(se.Msg)), p.width)
	} else if p.err != nil {
		second = cell(p.st.Error.Render(printable(p.err.Error())), p.width)
	}
	return cell(p.input.View(), p.width) + "\n" + second
}

// hintLine lists bindings as "key action" pairs that fit in width.
func hintLine(bs []Binding, st Styles, width int) string {
	var parts []string
	used := 0
	for _, b := range bs {
		h := b.Key.Help()
		part := st.HintKey.Render(keyLabel(h.Key)) + " " + st.HintText.Render(h.Desc)
		w := ansi.StringWidth(part) + 2
		if used+w > width {
			break
		}
		parts = append(parts, part)
		used += w
	}
	return cell(strings.Join(parts, "  "), width)
}

// keyLabel is how a key is written in hints and help.
func keyLabel(k string) string {
	switch k {
	case " ":
		return "space"
	case "up":
		return "↑"
	case "down":
		return "↓"
	}
	return k
}
