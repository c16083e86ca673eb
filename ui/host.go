package ui

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/ui/prompt"
)

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
