package flowview

import (
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/style"
	"github.com/siphonproxy/siphon/ui/wsintercept"
)

// heldTickMsg redraws the time left of the held messages of flow id.
type heldTickMsg struct{ id string }

// heldMessage is a held message as the Messages tab lists it.
func heldMessage(p wsintercept.PausedMessage) *session.Message {
	return &session.Message{Dir: p.Dir, Time: session.StampOf(p.Since), Opcode: p.Opcode, Data: p.Data, Size: int64(len(p.Data))}
}

// heldID returns the pause's id of the i-th message listed, "" when it is
// a stored one.
func (t *messagesTab) heldID(i int) string {
	if h := i - int(t.stats.Stored); h >= 0 && h < len(t.held) {
		return t.held[h].ID
	}
	return ""
}

// SetClock sets the clock the time left of held messages is counted with
// (time.Now by default; tests fix it).
func (v *Model) SetClock(now func() time.Time) { v.now = now }

// PausedSelection returns the pause's id of the held message selected in
// the Messages tab when the view shows flow flowID there, else "": the
// keys of paused messages act on it.
func (v *Model) PausedSelection(flowID string) string {
	if flowID != v.id || v.tab != TabMessages {
		return ""
	}
	return v.msgs.heldID(v.msgs.sel)
}

// pausedChanged takes in the messages held at breakpoints now: the open
// flow's are listed after its stored messages, their time left redrawn
// every second.
func (v *Model) pausedChanged(msg wsintercept.PausedMsg) tea.Cmd {
	v.paused = msg
	return v.takeHeld()
}

// takeHeld lists the open flow's held messages from the last snapshot.
func (v *Model) takeHeld() tea.Cmd {
	t := &v.msgs
	t.held = nil
	if v.flow != nil && isWebSocket(v.flow) {
		t.held = v.paused.Of(v.id)
	}
	if t.known {
		t.place(v.msgRows())
	}
	v.layoutMessages()
	cmd := v.detailCmd()
	if len(t.held) > 0 && !t.ticking {
		t.ticking = true
		return tea.Batch(cmd, heldTick(v.id))
	}
	return cmd
}

func heldTick(id string) tea.Cmd {
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return heldTickMsg{id} })
}

// heldTicked redraws the time left, and ticks again while the open flow
// (which may have changed since the tick was armed) has held messages.
func (v *Model) heldTicked(msg heldTickMsg) tea.Cmd {
	if len(v.msgs.held) == 0 {
		v.msgs.ticking = false
		return nil
	}
	if msg.id == v.id {
		v.layoutMessages()
	}
	return heldTick(v.id)
}

// heldTitle is the line over a held message: what paused it and when the
// intercept timeout forwards it unchanged.
func (v *Model) heldTitle(p wsintercept.PausedMessage, start session.Stamp) []string {
	left := "forwarded unchanged in " + p.Deadline.Sub(v.now()).Truncate(time.Second).String()
	if !p.Deadline.After(v.now()) {
		left = "forwarded unchanged now"
	}
	m := heldMessage(p)
	title := fmt.Sprintf("─ ⏸ paused %s %s %s at %s ", arrow(p.Dir), msgType(m), style.FormatSize(m.Size), offset(start, m.Time))
	line := v.st.Intercepted.Render(title + strings.Repeat("─", max(v.width-ansi.StringWidth(title), 1)))
	keys := []string{}
	for _, a := range []keymap.Action{keymap.ActForward, keymap.ActEdit, keymap.ActDrop} {
		if k := v.keys.Key(keymap.ScopeMessageBreak, a); k != "" {
			keys = append(keys, keymap.KeyLabel(k)+" "+verbs[a])
		}
	}
	by := style.Printable("by " + p.By + " · " + left)
	return []string{line, v.st.Intercepted.Render(by), v.st.Muted.Render(strings.Join(keys, " · ")), ""}
}

// verbs say what the keys of a held message do, in the line over it.
var verbs = map[keymap.Action]string{keymap.ActForward: "forwards", keymap.ActEdit: "edits", keymap.ActDrop: "drops"}

// breakingNote is the flow view title's note on an open WebSocket whose
// every message pauses (B), before the URL that may fill the line; "" for
// other flows, and once the connection is closed, whatever the engine
// still says: no message will pass to pause.
func (v *Model) breakingNote() string {
	if v.flow == nil || !isWebSocket(v.flow) || v.flow.State == session.Done || v.flow.State == session.Failed || !v.paused.BreakingFlow(v.id) {
		return ""
	}
	note := "⏸ pausing messages"
	if k := v.keys.Key(keymap.ScopeMessageBreak, keymap.ActBreakMessages); k != "" {
		note += " (" + keymap.KeyLabel(k) + " stops)"
	}
	return v.st.Intercepted.Render(note) + " "
}
