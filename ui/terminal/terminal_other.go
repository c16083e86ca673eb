//go:build !linux

package terminal

import (
	"errors"
	"io"
	"os"
)

// Terminal is siphon's reader of the terminal on Linux (see
// terminal_linux.go); elsewhere Bubble Tea reads its own input, and
// Open says so.
type Terminal struct{}

func Open(*os.File) (*Terminal, error) { return nil, errors.ErrUnsupported }

func (t *Terminal) Read([]byte) (int, error) { return 0, io.EOF }

func (t *Terminal) Pause() {}

func (t *Terminal) Resume() {}

func (t *Terminal) File() *os.File { return nil }

func (t *Terminal) Close() error { return nil }
