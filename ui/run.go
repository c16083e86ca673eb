package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/ui/terminal"
)

// Run runs m as a full-screen program that reads keys from the terminal in
// (the controlling terminal when in is not one) and draws on out, until
// the user quits or ctx ends (SIGINT, SIGTERM, SIGHUP), which is a normal end too.
// opts are added to the program's own (tests watch messages with
// tea.WithFilter).
//
// On Linux the terminal is read through a reader of siphon's own, so that
// round trips to $EDITOR leak no descriptors (see terminal); elsewhere
// Bubble Tea reads its own input and in is not used.
func Run(ctx context.Context, m *Model, in *os.File, out io.Writer, opts ...tea.ProgramOption) error {
	base := []tea.ProgramOption{tea.WithAltScreen(), tea.WithMouseCellMotion(), tea.WithContext(ctx), tea.WithOutput(out)}
	t, err := terminal.Open(in)
	switch {
	case err == nil:
		m.bp.SetTerminal(t)
		defer func() {
			m.bp.SetTerminal(nil)
			t.Close()
		}()
		base = append(base, tea.WithInput(t))
	case !errors.Is(err, errors.ErrUnsupported):
		return fmt.Errorf("terminal UI: %w", err)
	}
	_, err = tea.NewProgram(m, append(base, opts...)...).Run()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		return fmt.Errorf("terminal UI: %w", err)
	}
	return nil
}
