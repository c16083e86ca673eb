// Package prompt draws the bottom lines of the screen when the UI asks
// something: a yes/no question, a one-key choice or a checked one-line
// input. Its Host is
// what features ask of the root: say, ask, confirm.
package prompt

import (
	"errors"
	"strings"
	"unicode"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/siphonproxy/siphon/filter"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/style"
)

// Result is how a prompt ended: the text typed (inputs), and whether the
// user confirmed.
type Result struct {
	Value string
	OK    bool
}

// Model asks a yes/no question or reads a line (filter, search, comment,
// path) in the two bottom lines of the screen. An input with a check (a
// filter expression, a rule's action) is checked as it is typed: the error
// is shown under the text, at its offset for a filter's syntax error, and
// enter does nothing until it is fixed.
type Model struct {
	keys     keymap.Map
	st       style.Styles
	width    int
	question string
	input    *textinput.Model // nil for a yes/no question or a choice
	choices  []Choice         // a one-key choice's answers, the first the default
	check    func(string) error
	err      error
	result   *Result // set when the prompt has ended
}

// NewConfirm returns a yes/no question.
func NewConfirm(question string, keys keymap.Map, st style.Styles) Model {
	return Model{keys: keys, st: st, question: question}
}

// Choice is one answer to a one-key question: typing Key answers it.
type Choice struct {
	Key   rune
	Label string // what the answer means: "the server"
}

// NewChoice returns a question answered by one key, one of choices; enter
// takes the first. The answer's Value is its key.
func NewChoice(question string, choices []Choice, keys keymap.Map, st style.Styles) Model {
	return Model{keys: keys, st: st, question: question, choices: choices}
}

// NewInput returns a one-line input that starts with value and is checked
// with check (nil for none) as it is typed; the command starts the
// cursor's blink.
func NewInput(label, value string, check func(string) error, keys keymap.Map, st style.Styles) (Model, tea.Cmd) {
	in := textinput.New()
	in.Prompt = label + ": "
	in.PromptStyle = st.Accent
	in.CharLimit = filter.MaxLen
	in.SetValue(value)
	in.CursorEnd()
	p := Model{keys: keys, st: st, question: label, input: &in, check: check}
	p.validate()
	return p, in.Focus()
}

// CheckFilter is the check of an input that takes a filter expression.
func CheckFilter(expr string) error {
	_, err := filter.Parse(expr)
	return err
}

// SetWidth sets the prompt's width.
func (p *Model) SetWidth(w int) {
	p.width = w
	if p.input != nil {
		p.input.Width = max(w-len(p.input.Prompt)-1, 1)
	}
}

func (p *Model) validate() {
	p.err = nil
	if p.check != nil {
		p.err = p.check(p.input.Value())
	}
}

// Update handles a key; Result says when the prompt has ended.
func (p Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		if p.input != nil {
			in, cmd := p.input.Update(msg)
			p.input = &in
			return p, cmd
		}
		return p, nil
	}
	if p.choices != nil {
		return p.choose(km), nil
	}
	scope := keymap.ScopePrompt
	if p.input != nil {
		scope = keymap.ScopeInput
	}
	// Runes that arrive together (a paste without bracketed paste, keys
	// typed faster than they are read) are text: a word such as "up" or
	// "esc" is not the key of that name.
	burst := p.input != nil && km.Type == tea.KeyRunes && len(km.Runes) > 1
	if burst {
		km.Paste = true
		msg = km
	}
	if b, found := p.keys.Lookup(scope, km); found && !burst {
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

// choose takes a key of a one-key choice: one of its keys answers, enter
// takes the first, cancel (esc) cancels; other keys do nothing.
func (p Model) choose(km tea.KeyMsg) Model {
	if len(p.choices) == 0 {
		p.result = &Result{}
		return p
	}
	if b, found := p.keys.Lookup(keymap.ScopeInput, km); found {
		switch b.Action {
		case keymap.ActConfirm:
			p.result = &Result{Value: string(p.choices[0].Key), OK: true}
			return p
		case keymap.ActCancel:
			p.result = &Result{}
			return p
		}
	}
	if km.Type != tea.KeyRunes || len(km.Runes) != 1 {
		return p
	}
	for _, c := range p.choices {
		if unicode.ToLower(km.Runes[0]) == c.Key {
			p.result = &Result{Value: string(c.Key), OK: true}
		}
	}
	return p
}

// done ends the prompt. The owner acts on Result in the same Update, so
// that keys typed right after enter are not taken as more input.
func (p *Model) done(ok bool) {
	r := Result{OK: ok}
	if p.input != nil {
		r.Value = p.input.Value()
	}
	p.result = &r
}

// Result returns how the prompt ended, or nil while it is open.
func (p Model) Result() *Result { return p.result }

// View draws two lines: the question or input, and help or the error.
func (p Model) View() string {
	if p.choices != nil {
		var answers []string
		for i, c := range p.choices {
			a := string(c.Key) + " " + c.Label
			if i == 0 {
				a = string(c.Key) + "/enter " + c.Label
			}
			answers = append(answers, a)
		}
		return style.Cell(p.st.Accent.Render(p.question+": ")+p.st.Muted.Render(strings.Join(answers, " · ")), p.width) + "\n" +
			keymap.HintLine(p.keys.InScope(keymap.ScopeInput), p.st, p.width)
	}
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
