package export

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/atotto/clipboard"
	"github.com/aymanbagabas/go-osc52/v2"
	"github.com/siphonproxy/siphon/ui/style"
)

// Clipboard puts exported text where the user can paste it. The UI calls
// Copy off its event loop; it may block for as long as a clipboard tool
// takes.
type Clipboard interface {
	// Copy puts text on the clipboard and says how it got there, for the
	// status bar ("the clipboard tool", "OSC 52").
	Copy(text string) (via string, err error)
}

// How SystemClipboard copied.
const (
	ViaTool  = "the clipboard tool"
	ViaOSC52 = "an OSC 52 escape to the terminal"
)

// osc52Warn is the size above which many terminals ignore an OSC 52
// escape (xterm, tmux and others cap it near 100 kB).
const osc52Warn = 74 << 10

// SystemClipboard copies with a clipboard tool (xclip, xsel, wl-copy,
// pbcopy, clip.exe: github.com/atotto/clipboard) when one is installed,
// and otherwise, or when the tool fails (no display, over SSH), writes an
// OSC 52 escape to the terminal, which the terminal emulator puts on the
// clipboard of the machine it runs on. It is safe for concurrent use.
type SystemClipboard struct {
	mu       sync.Mutex // one escape at a time
	terminal io.Writer
	tmux     bool
	tool     func(string) error // nil: no clipboard tool
}

// NewSystemClipboard returns a clipboard that falls back to OSC 52 escapes
// written to terminal (the UI's output). In tmux (inTmux, from $TMUX) the
// escape is written twice: as is, for tmux's set-clipboard, and wrapped
// for tmux's allow-passthrough, so that either setting lets it through.
func NewSystemClipboard(terminal io.Writer, inTmux bool) *SystemClipboard {
	var tool func(string) error
	if !clipboard.Unsupported {
		tool = clipboard.WriteAll
	}
	return newClipboard(terminal, inTmux, tool)
}

func newClipboard(terminal io.Writer, inTmux bool, tool func(string) error) *SystemClipboard {
	return &SystemClipboard{terminal: terminal, tmux: inTmux, tool: tool}
}

// Copy implements Clipboard.
func (c *SystemClipboard) Copy(text string) (string, error) {
	var toolErr error
	if c.tool != nil {
		if toolErr = c.tool(text); toolErr == nil {
			return ViaTool, nil
		}
	}
	if c.terminal == nil {
		return "", errors.Join(errors.New("copy: no clipboard tool and no terminal for OSC 52"), toolErr)
	}
	seq := osc52.New(text).String()
	if c.tmux {
		seq += osc52.New(text).Tmux().String()
	}
	c.mu.Lock()
	// One write: the renderer writes whole frames, so the escape never
	// lands inside one.
	_, err := io.WriteString(c.terminal, seq)
	c.mu.Unlock()
	if err != nil {
		return "", fmt.Errorf("copy with OSC 52: %w", err)
	}
	via := ViaOSC52
	if len(text) > osc52Warn {
		via += fmt.Sprintf(" (%s: some terminals ignore that much; w writes a file)", style.FormatSize(int64(len(text))))
	}
	return via, nil
}
