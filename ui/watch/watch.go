// Package watch turns a coalescing change signal (the event log's, the
// rules engine's) into Bubble Tea commands, so that proxy goroutines never
// call Program.Send and never wait for the UI.
package watch

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"
)

// Signal waits, off the event loop, for a value on ch and reports it as
// msg; it reports nothing once ctx ends. The UI re-arms it after each
// signal, so a burst of changes costs one message.
func Signal(ctx context.Context, ch <-chan struct{}, msg tea.Msg) tea.Cmd {
	return func() tea.Msg {
		select {
		case <-ch:
			return msg
		case <-ctx.Done():
			return nil
		}
	}
}
