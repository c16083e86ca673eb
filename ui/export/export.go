// Package export is what the UI does with one flow outside the UI: the
// export menu (curl, httpie, raw HTTP, HAR) to the clipboard or a file,
// copy as curl, and replays of one flow or of every flow shown. Files,
// the clipboard and replays are written and sent by commands, never on
// the event loop.
package export

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/replay"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/prompt"
	"github.com/siphonproxy/siphon/ui/style"
)

// Store is what exports and replays read flows from (*session.Store).
type Store interface {
	// Get returns a flow with its bodies.
	Get(id string) (*session.Flow, error)
	// List returns the flows that match (nil: all), in capture order.
	List(m session.Matcher, offset, n int) []*session.Flow
}

// Config is what the exports need.
type Config struct {
	Store  Store
	Sender Sender    // nil: replays say there is no proxy
	Clip   Clipboard // nil: copies say there is no clipboard
	Keys   keymap.Map
	Styles style.Styles
}

// Model handles the export and replay keys and the export menu.
type Model struct {
	ctx   context.Context // ends the replays in flight
	host  prompt.Host
	cfg   Config
	menu  *Menu // nil when closed
	width int
}

// New returns the exports over cfg; ctx ends the replays in flight.
func New(ctx context.Context, host prompt.Host, cfg Config) *Model {
	return &Model{ctx: ctx, host: host, cfg: cfg}
}

// SetWidth sets the menu's width.
func (m *Model) SetWidth(w int) {
	m.width = w
	if m.menu != nil {
		m.menu.SetWidth(w)
	}
}

// Key acts on flow f (bodies not needed) for x (the export menu), c (copy
// as curl), w (the menu, writing to a file) and r (replay).
func (m *Model) Key(a keymap.Action, f *session.Flow) tea.Cmd {
	if f == nil {
		return nil // no flow focused
	}
	switch a {
	case keymap.ActExport, keymap.ActWrite:
		menu := NewMenu(f, a == keymap.ActWrite, m.cfg.Keys, m.cfg.Styles)
		menu.SetWidth(m.width)
		m.menu = &menu
	case keymap.ActCopyCurl:
		return m.copyFlow(f, replay.FormatCurl)
	case keymap.ActReplay:
		return m.replayFlow(f)
	}
	return nil
}

// MenuOpen reports whether the export menu is open: it then takes every
// key, through MenuKey.
func (m *Model) MenuOpen() bool { return m.menu != nil }

// MenuKey handles a key while the export menu is open.
func (m *Model) MenuKey(msg tea.KeyMsg) tea.Cmd {
	menu := m.menu.Update(msg)
	m.menu = &menu
	if !menu.Closed() {
		return nil
	}
	m.menu = nil
	c := menu.Choice()
	switch {
	case c == nil:
		return nil
	case c.Write:
		return m.writeFlow(menu.flow, c.Format)
	}
	return m.copyFlow(menu.flow, c.Format)
}

// View draws the open menu over the bottom of screen.
func (m *Model) View(screen string) string {
	if m.menu == nil {
		return screen
	}
	return style.Overlay(screen, m.menu.Lines())
}

// exported renders flow id in a format, reading it with its bodies.
func exported(get func(string) (*session.Flow, error), id string, format replay.Format) ([]byte, error) {
	f, err := get(id)
	if err != nil {
		return nil, err
	}
	return replay.Export(format, f)
}

// copyFlow copies f as format to the clipboard, off the event loop.
func (m *Model) copyFlow(f *session.Flow, format replay.Format) tea.Cmd {
	clip, get, id, seq := m.cfg.Clip, m.cfg.Store.Get, f.ID, f.Seq
	if clip == nil {
		return m.host.Say("no clipboard here: w writes the export to a file")
	}
	return func() tea.Msg {
		data, err := exported(get, id, format)
		if err != nil {
			return prompt.Statusf("export flow #%d as %s: %v", seq, format.Label(), err)
		}
		via, err := clip.Copy(string(data))
		if err != nil {
			return prompt.Statusf("copy flow #%d: %v", seq, err)
		}
		return prompt.Statusf("copied flow #%d as %s (%s) with %s", seq, format.Label(), style.FormatSize(int64(len(data))), via)
	}
}

// fileNames are the default file name endings of each format.
var fileNames = map[replay.Format]string{
	replay.FormatCurl: ".curl.sh", replay.FormatHTTPie: ".httpie.sh",
	replay.FormatRawRequest: ".request.http", replay.FormatRawResponse: ".response.http",
	replay.FormatHAR: ".har",
}

// writeFlow asks for a path and writes f as format to it, asking before
// it replaces a file.
func (m *Model) writeFlow(f *session.Flow, format replay.Format) tea.Cmd {
	get, id, seq := m.cfg.Store.Get, f.ID, f.Seq
	check := func(p string) error {
		if prompt.ExpandHome(p) == "" {
			return errors.New("type a file name")
		}
		return nil
	}
	name := fmt.Sprintf("flow-%d%s", seq, fileNames[format])
	return m.host.Ask(fmt.Sprintf("write flow #%d as %s to", seq, format.Label()), name, check, func(p string) tea.Cmd {
		path := prompt.ExpandHome(p)
		write := func() tea.Cmd {
			return func() tea.Msg {
				data, err := exported(get, id, format)
				if err != nil {
					return prompt.Statusf("export flow #%d as %s: %v", seq, format.Label(), err)
				}
				// Exports carry headers such as cookies and tokens: owner only.
				if err := os.WriteFile(path, data, 0o600); err != nil {
					return prompt.Statusf("write flow #%d: %v", seq, err)
				}
				abs, _ := filepath.Abs(path)
				return prompt.Statusf("wrote flow #%d as %s to %s (%s)", seq, format.Label(), abs, style.FormatSize(int64(len(data))))
			}
		}
		if fi, err := os.Stat(path); err == nil {
			if fi.IsDir() {
				return m.host.Say(path + " is a directory: type a file name")
			}
			return m.host.Confirm(path+" exists: replace it?", write)
		}
		return write()
	})
}
