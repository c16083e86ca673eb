//go:build !linux

package ui

import (
	"errors"
	"io"
	"os"
)

// terminal is siphon's reader of the terminal on Linux (see
// terminal_linux.go); elsewhere Bubble Tea reads its own input, and
// openTerminal says so.
type terminal struct{}

func openTerminal(*os.File) (*terminal, error) { return nil, errors.ErrUnsupported }

func (t *terminal) Read([]byte) (int, error) { return 0, io.EOF }

func (t *terminal) pause() {}

func (t *terminal) resume() {}

func (t *terminal) file() *os.File { return nil }

func (t *terminal) Close() error { return nil }
