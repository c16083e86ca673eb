package breakpoint

import (
	"errors"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/style"
	"github.com/siphonproxy/siphon/ui/wsintercept"
)

// HandleKey handles an intercept key on the list or the flow view, f
// being the flow under the cursor or open (nil for none): the keys of a
// paused message where f has one, B and s on any flow, else the keys of a
// paused flow (Key). handled is false for other keys.
func (m *Model) HandleKey(msg tea.KeyMsg, f *session.Flow) (cmd tea.Cmd, handled bool) {
	if b, ok := m.cfg.Keys.Lookup(keymap.ScopeMessageBreak, msg); ok && b.Action != keymap.ActResumeAll {
		if b.Action == keymap.ActBreakMessages || b.Action == keymap.ActInject || (f != nil && m.hasPaused(f.ID)) {
			return m.MessageKey(b.Action, f), true
		}
	}
	if b, ok := m.cfg.Keys.Lookup(keymap.ScopeIntercept, msg); ok {
		return m.Key(b.Action, f), true
	}
	return nil, false
}

// MessageKey handles the keys of WebSocket messages at breakpoints on f:
// pausing its messages on or off, sending one, and forwarding, editing
// or dropping its paused message (the one selected in the flow view, else
// its oldest).
func (m *Model) MessageKey(a keymap.Action, f *session.Flow) tea.Cmd {
	e := m.cfg.Messages
	switch {
	case e == nil && a != keymap.ActInject:
		return m.host.Say(keymap.NoProxy)
	case f == nil:
		return m.host.Say("no flow here")
	case f.Kind != session.WebSocket:
		return m.host.Say(fmt.Sprintf("flow #%d is not a WebSocket: only WebSocket messages can be paused or sent", f.Seq))
	case a == keymap.ActInject:
		return m.inject(f)
	case a == keymap.ActBreakMessages:
		return m.toggleBreak(f)
	}
	pm, ok := m.focusedMessage(f.ID)
	if !ok {
		return m.host.Say(fmt.Sprintf("flow #%d has no paused message", f.Seq))
	}
	what := fmt.Sprintf("the message %s of flow #%d", describe(pm), f.Seq)
	switch a {
	case keymap.ActForward:
		if err := e.ForwardMessage(pm.ID, nil); err != nil {
			return m.host.Say(messageError("forward", what, err).Error())
		}
		return m.host.Say("forwarded " + what)
	case keymap.ActDrop:
		if err := e.DropMessage(pm.ID); err != nil {
			return m.host.Say(messageError("drop", what, err).Error())
		}
		return m.host.Say("dropped " + what + ": its peer never gets it")
	case keymap.ActEdit:
		job := m.messageEdit(pm, what)
		return m.openEditor(job, job.shown.text, nil)
	}
	return nil
}

// toggleBreak turns pausing every message of f on or off; the command
// also sends the change to the flow view, which says it.
func (m *Model) toggleBreak(f *session.Flow) tea.Cmd {
	e := m.cfg.Messages
	if closed(f) {
		// The engine may still hold the switch of a closed connection.
		if e.BreakingMessages(f.ID) {
			e.BreakMessages(f.ID, false)
		}
		return tea.Batch(m.host.Say(fmt.Sprintf("the connection of flow #%d is closed: no message passes on it to pause", f.Seq)), m.EngineChanged())
	}
	on := !e.BreakingMessages(f.ID)
	e.BreakMessages(f.ID, on)
	say := fmt.Sprintf("pausing every message of flow #%d, both directions: a forwards, e edits, X drops", f.Seq)
	if !on {
		say = fmt.Sprintf("the messages of flow #%d pass again", f.Seq)
		if n := m.pausedCount(f.ID); n > 0 {
			say += fmt.Sprintf("; %s still %s for a, e or X", style.Count(n, "paused message"), map[bool]string{true: "waits", false: "wait"}[n == 1])
		}
	}
	return tea.Batch(m.host.Say(say), m.EngineChanged())
}

// resumeAll resumes every paused flow and forwards every paused message
// unchanged.
func (m *Model) resumeAll() string {
	flows, msgs := 0, 0
	if e := m.cfg.Engine; e != nil {
		flows = e.ResumeAll()
	}
	if e := m.cfg.Messages; e != nil {
		for _, pm := range e.PausedMessages() {
			if e.ForwardMessage(pm.ID, nil) == nil {
				msgs++
			}
		}
	}
	// Say only what happened.
	var did []string
	if flows > 0 {
		did = append(did, "resumed "+style.Count(flows, "paused flow"))
	}
	if msgs > 0 {
		did = append(did, "forwarded "+style.Count(msgs, "paused message"))
	}
	if len(did) == 0 {
		return "nothing was paused"
	}
	return strings.Join(did, " and ")
}

// focusedMessage returns the paused message of a flow that the keys act
// on: the one selected in the flow view, else the oldest. It asks the
// engine, not the last snapshot, so that a message released meanwhile is
// not acted on.
func (m *Model) focusedMessage(flowID string) (wsintercept.PausedMessage, bool) {
	mine := wsintercept.PausedMsg{Messages: m.cfg.Messages.PausedMessages()}.Of(flowID)
	if len(mine) == 0 {
		return wsintercept.PausedMessage{}, false
	}
	if m.cfg.Selected != nil {
		if id := m.cfg.Selected(flowID); id != "" {
			for _, pm := range mine {
				if pm.ID == id {
					return pm, true
				}
			}
		}
	}
	return mine[0], true
}

// hasPaused reports whether a flow had a paused message at the last
// change of the engine.
func (m *Model) hasPaused(flowID string) bool { return m.pausedCount(flowID) > 0 }

func (m *Model) pausedCount(flowID string) int {
	return len(wsintercept.PausedMsg{Messages: m.msgs}.Of(flowID))
}

// messageError words an engine error about a paused message; one released
// meanwhile is a finalError.
func messageError(op, what string, err error) error {
	if errors.Is(err, intercept.ErrNotPaused) {
		return finalError{fmt.Errorf("%s is no longer paused (forwarded, timed out, or its connection closed)", what)}
	}
	return finalError{fmt.Errorf("%s %s: %w", op, what, err)}
}

// describe names a paused message by direction, type and size: "↑ text 13B".
func describe(pm wsintercept.PausedMessage) string {
	return fmt.Sprintf("%s %s %s", arrow(pm.Dir), pm.Opcode, style.FormatSize(int64(len(pm.Data))))
}

// arrow draws a direction as the Messages tab does: up is the client's.
func arrow(d session.Direction) string {
	if d == session.Up {
		return "↑"
	}
	return "↓"
}

// peer names who receives a message sent in direction d.
func peer(d session.Direction) string {
	if d == session.Up {
		return "server"
	}
	return "client"
}

// closed reports whether f's connection has ended.
func closed(f *session.Flow) bool { return f.State == session.Done || f.State == session.Failed }
