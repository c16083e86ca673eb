package prompt

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"
)

// Host is what a feature asks of the screen it is drawn on: the status
// bar and the prompt in the bottom lines. The root model implements it;
// features hold it instead of calling the root, so their tests can pass
// a fake. Every method runs on the event loop and returns at once.
type Host interface {
	// Say shows text in the status bar for a while.
	Say(text string) tea.Cmd
	// Ask opens an input that starts with value, checked with check (nil
	// for none) as it is typed; then runs with the text if the user
	// confirms it.
	Ask(label, value string, check func(string) error, then func(string) tea.Cmd) tea.Cmd
	// Choose asks a question answered by one key, one of choices (enter
	// takes the first); then runs with the key typed.
	Choose(question string, choices []Choice, then func(answer rune) tea.Cmd) tea.Cmd
	// Confirm asks a yes/no question; then runs on yes.
	Confirm(question string, then func() tea.Cmd) tea.Cmd
	// Asking reports whether a prompt is open, so that a question asked
	// later does not replace one the user has not answered.
	Asking() bool
}

// Status is a status bar message from a command that ran off the event
// loop (a copy, a replay, a file written): the root shows it as Host.Say
// does.
type Status struct{ Text string }

// Statusf returns a Status message.
func Statusf(format string, args ...any) tea.Msg {
	return Status{Text: fmt.Sprintf(format, args...)}
}
