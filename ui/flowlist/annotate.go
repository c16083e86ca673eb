package flowlist

import (
	"strconv"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/prompt"
)

// Annotate acts on m (mark) and ; (comment) for flow f, on the list or in
// the flow view: the stored flow changes, and with own set so does f (the
// flow view's own copy, from Store.Get).
func (l *Model) Annotate(a keymap.Action, f *session.Flow, own bool) tea.Cmd {
	if f == nil {
		return nil // no flow focused
	}
	switch a {
	case keymap.ActMark:
		marked := !f.Marked
		if own {
			f.Marked = marked
		}
		return l.edit(f, func(c *session.Flow) { c.Marked = marked })
	case keymap.ActComment:
		return l.host.Ask("comment #"+strconv.FormatInt(f.Seq, 10), f.Comment, nil, func(text string) tea.Cmd {
			if own {
				f.Comment = text
			}
			return l.edit(f, func(c *session.Flow) { c.Comment = text })
		})
	}
	return nil
}

// edit changes a flow in the store. It works on a copy without body bytes
// (marked Unloaded), so the store keeps the bodies it has.
func (l *Model) edit(f *session.Flow, change func(*session.Flow)) tea.Cmd {
	c := f.Clone()
	for _, b := range []*session.Body{bodyOf(c.Request), bodyOfResp(c.Response), bodyOf(c.Original)} {
		if b != nil {
			b.Data, b.Unloaded = nil, true
		}
	}
	change(c)
	if err := l.store.Update(c); err != nil {
		return l.host.Say(err.Error())
	}
	return nil
}

// Flush returns a command that saves the session's pending flows, with
// the error in the status bar when it cannot; the root runs it before
// quitting.
func (l *Model) Flush() tea.Cmd {
	store := l.store
	return func() tea.Msg {
		if err := store.Flush(); err != nil {
			return prompt.Status{Text: err.Error()}
		}
		return nil
	}
}

func bodyOf(r *session.Request) *session.Body {
	if r == nil {
		return nil
	}
	return &r.Body
}

func bodyOfResp(r *session.Response) *session.Body {
	if r == nil {
		return nil
	}
	return &r.Body
}
