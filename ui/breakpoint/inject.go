package breakpoint

import (
	"errors"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/prompt"
	"github.com/siphonproxy/siphon/ui/style"
)

// inject asks for a message of the user's own and sends it on f's open
// connection: to whom (s or enter: the server, c: the client), as text or
// binary (t or enter: text, b: binary), each a single key, and the
// payload on one line, or in the editor when that line is left empty.
func (m *Model) inject(f *session.Flow) tea.Cmd {
	switch {
	case m.cfg.Injector == nil:
		return m.host.Say(keymap.NoProxy)
	case closed(f):
		return m.host.Say(fmt.Sprintf("the connection of flow #%d is closed: nothing can be sent on it (r replays the conversation on a new one)", f.Seq))
	}
	return m.host.Choose(fmt.Sprintf("send on flow #%d to", f.Seq), []prompt.Choice{{Key: 's', Label: "the server"}, {Key: 'c', Label: "the client"}},
		func(to rune) tea.Cmd {
			dir := session.Up
			if to == 'c' {
				dir = session.Down
			}
			return m.host.Choose("send it as", []prompt.Choice{{Key: 't', Label: "text"}, {Key: 'b', Label: "binary"}}, func(as rune) tea.Cmd {
				op := session.OpText
				if as == 'b' {
					op = session.OpBinary
				}
				return m.askPayload(f, dir, op)
			})
		})
}

// askPayload reads the payload on one line (binary as hex digits); an
// empty line opens the editor instead.
func (m *Model) askPayload(f *session.Flow, dir session.Direction, op session.Opcode) tea.Cmd {
	label, check := fmt.Sprintf("text to the %s (enter alone: write it in the editor)", peer(dir)), func(string) error { return nil }
	if op == session.OpBinary {
		label = fmt.Sprintf("hex digits to the %s (enter alone: write them in the editor)", peer(dir))
		check = func(v string) error {
			if _, err := unhexText([]byte(v)); err != nil {
				return errors.New("want hex digits, two a byte: 00 ff 10")
			}
			return nil
		}
	}
	return m.host.Ask(label, "", check, func(v string) tea.Cmd {
		if v == "" {
			job := m.injectEdit(f, dir, op)
			return m.openEditor(job, job.shown.text, nil)
		}
		data := []byte(v)
		if op == session.OpBinary {
			data, _ = unhexText(data)
		}
		return m.send(f, dir, op, data)
	})
}

// injectEdit writes a new message in the editor; saved with a payload,
// it is sent.
func (m *Model) injectEdit(f *session.Flow, dir session.Direction, op session.Opcode) *editJob {
	what := fmt.Sprintf("a new %s message to the %s on flow #%d", op, peer(dir), f.Seq)
	job := &editJob{what: what, shown: payloadText(nil, op), ext: ".txt", unchanged: "nothing was sent"}
	job.apply = func(text []byte) (string, error) {
		data, err := parsePayload(text, job.shown, op)
		if err != nil {
			return "", err
		}
		if len(data) == 0 {
			return "the payload was empty: nothing was sent", nil
		}
		job.next = m.send(f, dir, op, data)
		return "sending " + strings.TrimPrefix(what, "a new ") + "…", nil
	}
	job.help = payloadNotes(what+". Write it below and save to send it;", "leave the payload empty to send nothing.", job.shown)
	return job
}

// send sends a message on f's connection from a command: the proxy may
// wait for the connection to be between two messages.
func (m *Model) send(f *session.Flow, dir session.Direction, op session.Opcode, data []byte) tea.Cmd {
	inj, id := m.cfg.Injector, f.ID
	what := fmt.Sprintf("a %s %s message to the %s on flow #%d", style.FormatSize(int64(len(data))), op, peer(dir), f.Seq)
	return func() tea.Msg {
		if err := inj.InjectMessage(id, dir, op, data); err != nil {
			return prompt.Statusf("could not send %s: %v. Nothing was sent; if the connection closed, open it again (r replays it) and send from there", what, err)
		}
		return prompt.Statusf("sent %s", what)
	}
}
