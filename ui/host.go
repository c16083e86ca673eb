package ui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/ui/prompt"
)

var _ prompt.Host = (*Model)(nil)

// Say implements prompt.Host: it shows text in the status bar for a while.
func (m *Model) Say(text string) tea.Cmd { return m.say(text) }

func (m *Model) say(text string) tea.Cmd {
	m.status.text = text
	m.status.serial++
	serial := m.status.serial
	return tea.Tick(m.opts.msgTTL, func(time.Time) tea.Msg { return expireMsg{serial} })
}

// status is the status bar's message.
type status struct {
	text   string
	serial int
}

// expireMsg clears the status message with the given serial number.
type expireMsg struct{ serial int }

// Ask implements prompt.Host.
func (m *Model) Ask(label, value string, check func(string) error, then func(string) tea.Cmd) tea.Cmd {
	p, cmd := prompt.NewInput(label, value, check, m.keys, m.st)
	return m.open(p, then, cmd)
}

// Confirm implements prompt.Host.
func (m *Model) Confirm(question string, then func() tea.Cmd) tea.Cmd {
	return m.open(prompt.NewConfirm(question, m.keys, m.st), func(string) tea.Cmd { return then() }, nil)
}

// Asking implements prompt.Host.
func (m *Model) Asking() bool { return m.prompt != nil }

func (m *Model) open(p prompt.Model, then func(string) tea.Cmd, cmd tea.Cmd) tea.Cmd {
	p.SetWidth(m.width)
	m.prompt, m.then = &p, then
	return cmd
}

// answer acts on a finished prompt.
func (m *Model) answer(r prompt.Result) tea.Cmd {
	then := m.then
	m.then = nil
	if !r.OK || then == nil {
		return nil
	}
	return then(r.Value)
}

// quit stops watching, saves the session's pending flows, and ends the
// program.
func (m *Model) quit() tea.Cmd {
	m.stop()
	m.flow.Close()
	store := m.store
	return tea.Sequence(func() tea.Msg {
		if err := store.Flush(); err != nil {
			return prompt.Status{Text: err.Error()}
		}
		return nil
	}, tea.Quit)
}

// eventsChangedMsg says the event log has new events.
type eventsChangedMsg struct{}

// engineChangedMsg says the rules engine's paused flows or rules changed.
type engineChangedMsg struct{}

// waitSignal waits, off the event loop, for a value on ch (the event
// log's or the engine's coalescing change signal) and reports it as msg.
// The UI re-arms it after each signal, so proxy goroutines never call
// Program.Send and never wait for the UI.
func waitSignal(ctx context.Context, ch <-chan struct{}, msg tea.Msg) tea.Cmd {
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		select {
		case <-ch:
			return msg
		case <-ctx.Done():
			return nil
		}
	}
}
