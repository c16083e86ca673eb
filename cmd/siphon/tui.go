package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui"
)

// eventLogSize is how many proxy warnings the UI's event log keeps; all of
// them are in siphon.log.
const eventLogSize = 1000

// runTUI is siphon without a subcommand: the proxy (same flags as dump) and
// the terminal UI, or with --readonly FILE the UI over a session without a
// proxy. Nothing is written to the terminal behind the UI: the proxy's
// warnings go to <home>/siphon.log and the event log (E).
func runTUI(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("siphon")
	var o proxyOptions
	o.register(fs)
	readonly := fs.String("readonly", "", "browse this session file without starting the proxy")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c, err := o.check()
	if err != nil {
		return err
	}
	if *readonly != "" {
		return browse(ctx, *readonly, o.filter, stdout)
	}
	events := ui.NewEventLog(eventLogSize)
	r, err := startProxy(&o, c, proxySetup{logHandler: func(file slog.Handler) slog.Handler {
		return slog.NewMultiHandler(file, events.Handler(slog.LevelWarn))
	}})
	if err != nil {
		return err
	}
	m := ui.New(r.store, ui.WithListen(r.addr.String()), ui.WithEvents(events), ui.WithFilter(o.filter))
	err = runProgram(ctx, m, stdout)
	if err == nil {
		select {
		case err = <-r.served: // the proxy stopped by itself
		default:
		}
	}
	return r.stop(err, nil)
}

// browse shows a stored session without a proxy; the file is not written.
func browse(ctx context.Context, path, filterExpr string, stdout io.Writer) error {
	if _, err := os.Stat(path); err != nil {
		return usagef("read session: %v", err)
	}
	store, err := session.Open(path, session.Options{ReadOnly: true})
	if err != nil {
		return usagef("%v", err)
	}
	defer store.Close()
	return runProgram(ctx, ui.New(store, ui.WithReadOnly(), ui.WithFilter(filterExpr)), stdout)
}

// runProgram runs the UI in the alternate screen until the user quits or
// ctx ends (SIGINT, SIGTERM), which is a normal end too.
func runProgram(ctx context.Context, m tea.Model, stdout io.Writer) error {
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithMouseCellMotion(),
		tea.WithContext(ctx), tea.WithOutput(stdout))
	_, err := p.Run()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		return fmt.Errorf("terminal UI: %w", err)
	}
	return nil
}
