package breakpoint

import (
	"fmt"
	"reflect"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
)

// storedFlowMsg carries a flow read from the store, bodies loaded, for an
// edit of its request.
type storedFlowMsg struct {
	flow *session.Flow
	err  error
}

// loadForEdit reads a flow that is not paused, to edit its request: the
// edited request replaces the stored one (which is kept as Original), and
// r then replays it.
func (m *Model) loadForEdit(f *session.Flow) tea.Cmd {
	if f.Kind != session.HTTP || f.Request == nil {
		return m.host.Say(fmt.Sprintf("flow #%d is not an HTTP request: nothing to edit", f.Seq))
	}
	if m.cfg.ReadOnly {
		return m.host.Say(keymap.NoProxy)
	}
	id, get := f.ID, m.cfg.Store.Get
	return func() tea.Msg {
		g, err := get(id)
		return storedFlowMsg{flow: g, err: err}
	}
}

// storedEdit opens the editor on a stored flow's request.
func (m *Model) storedEdit(msg storedFlowMsg) tea.Cmd {
	if msg.err != nil {
		return m.host.Say(msg.err.Error())
	}
	f := msg.flow
	job := &editJob{what: fmt.Sprintf("the request of flow #%d", f.Seq), shown: requestText(f.Request)}
	job.apply = func(text []byte) (string, error) {
		q, err := parseRequest(text, job.shown, f.Request)
		if err != nil {
			return "", err
		}
		if unchanged(q, job.shown, f.Request) {
			return fmt.Sprintf("no change: the request of flow #%d is as it was", f.Seq), nil
		}
		c := f.Clone()
		if c.Original == nil {
			c.Original = c.Request
		}
		c.Request = q
		if c.Comment != "" {
			c.Comment += "; "
		}
		c.Comment += "request edited in siphon after capture"
		if err := m.cfg.Store.Update(c); err != nil {
			return "", finalError{fmt.Errorf("save the edited request of flow #%d: %w", f.Seq, err)}
		}
		return fmt.Sprintf("edited the request of flow #%d: r sends it", f.Seq), nil
	}
	job.help = editNotes(job.what+" (already sent). Save and quit to keep this version, which r replays;",
		"the request the client sent stays as the original. Empty the file to change nothing.", job.shown)
	return m.openEditor(job, job.shown.text, nil)
}

// unchanged reports whether the edited request q is the one shown,
// compared as parsed: an editor that saves the file as it was (with or
// without a final newline) changes nothing, so no edit is recorded.
func unchanged(q *session.Request, shown messageText, base *session.Request) bool {
	same, err := parseRequest(shown.text, shown, base)
	return err == nil && reflect.DeepEqual(q, same)
}
