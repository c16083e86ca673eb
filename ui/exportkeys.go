package ui

import (
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

// exportKey handles x (the export menu), c (copy as curl) and w (the menu,
// writing to a file) on flow f.
func (m *Model) exportKey(a keymap.Action, f *session.Flow) tea.Cmd {
	switch a {
	case keymap.ActExport, keymap.ActWrite:
		menu := NewExportMenu(f, a == keymap.ActWrite, m.keys, m.st)
		menu.SetWidth(m.width)
		m.menu = &menu
		return nil
	case keymap.ActCopyCurl:
		return m.copyFlow(f, replay.FormatCurl)
	}
	return nil
}

// menuKey handles a key while the export menu is open.
func (m *Model) menuKey(msg tea.KeyMsg) tea.Cmd {
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
	clip, get, id, seq := m.opts.clip, m.store.Get, f.ID, f.Seq
	if clip == nil {
		return m.say("no clipboard here: w writes the export to a file")
	}
	return func() tea.Msg {
		data, err := exported(get, id, format)
		if err != nil {
			return prompt.Status{Text: fmt.Sprintf("export flow #%d as %s: %v", seq, format.Label(), err)}
		}
		via, err := clip.Copy(string(data))
		if err != nil {
			return prompt.Status{Text: fmt.Sprintf("copy flow #%d: %v", seq, err)}
		}
		return prompt.Status{Text: fmt.Sprintf("copied flow #%d as %s (%s) with %s", seq, format.Label(), style.FormatSize(int64(len(data))), via)}
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
	get, id, seq := m.store.Get, f.ID, f.Seq
	check := func(p string) error {
		if prompt.ExpandHome(p) == "" {
			return errors.New("type a file name")
		}
		return nil
	}
	name := fmt.Sprintf("flow-%d%s", seq, fileNames[format])
	return m.Ask(fmt.Sprintf("write flow #%d as %s to", seq, format.Label()), name, check, func(p string) tea.Cmd {
		path := prompt.ExpandHome(p)
		write := func() tea.Cmd {
			return func() tea.Msg {
				data, err := exported(get, id, format)
				if err != nil {
					return prompt.Status{Text: fmt.Sprintf("export flow #%d as %s: %v", seq, format.Label(), err)}
				}
				// Exports carry headers such as cookies and tokens: owner only.
				if err := os.WriteFile(path, data, 0o600); err != nil {
					return prompt.Status{Text: fmt.Sprintf("write flow #%d: %v", seq, err)}
				}
				abs, _ := filepath.Abs(path)
				return prompt.Status{Text: fmt.Sprintf("wrote flow #%d as %s to %s (%s)", seq, format.Label(), abs, style.FormatSize(int64(len(data))))}
			}
		}
		if fi, err := os.Stat(path); err == nil {
			if fi.IsDir() {
				return m.say(path + " is a directory: type a file name")
			}
			return m.Confirm(path+" exists: replace it?", write)
		}
		return write()
	})
}
