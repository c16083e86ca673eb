package flowview

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/wsintercept"
)

// messagesTab is the Messages tab's state: the counts of the open
// WebSocket flow's messages and a window of them around the selection,
// loaded by commands, so a flow of 100,000 messages costs a screenful.
type messagesTab struct {
	src    MessageSource
	id     string // the flow the state is about
	stats  session.MessageStats
	known  bool // stats were loaded once
	sel    int  // the selected message, from 0
	top    int  // the first message listed
	follow bool // the selection stays on the newest message
	win    []session.Message
	winOff int // messages before win
	err    error

	loading bool // a load is in flight
	again   bool // the store changed during it: load once more after it
	detail  msgDetail
	// held are the flow's messages paused at a breakpoint, listed after
	// the stored ones: they have not been relayed yet.
	held    []wsintercept.PausedMessage
	ticking bool // a tick redraws the held messages' time left
}

// msgDetail is the selected message, rendered.
type msgDetail struct {
	seq    int64
	held   string // the pause's id of a held message, "" for a stored one
	mode   ViewMode
	lines  []string // nil while a command renders it
	cancel context.CancelFunc
}

// messagesLoadedMsg carries the counts and a window of a flow's messages.
type messagesLoadedMsg struct {
	id    string
	stats session.MessageStats
	off   int
	msgs  []session.Message
	err   error
	same  bool // nothing changed: msgs was not read
}

// msgRenderedMsg carries a large message rendered off the event loop.
type msgRenderedMsg struct {
	id    string
	seq   int64
	held  string
	mode  ViewMode
	lines []string
}

// isWebSocket says which flows have the Messages tab.
func isWebSocket(f *session.Flow) bool { return f.Kind == session.WebSocket }

// reset forgets the last flow's messages; following is on again.
func (t *messagesTab) reset(id string) {
	t.detail.stop()
	*t = messagesTab{src: t.src, id: id, follow: true, ticking: t.ticking}
}

func (d *msgDetail) stop() {
	if d.cancel != nil {
		d.cancel()
	}
	*d = msgDetail{}
}

// visible is how many messages the list shows from top.
func (t *messagesTab) visible(rows int) int {
	return max(min(rows, t.total()-t.top), 0)
}

// total is how many messages the tab lists: the stored, then the held.
func (t *messagesTab) total() int { return int(t.stats.Stored) + len(t.held) }

// covers reports whether the window holds every stored message listed.
func (t *messagesTab) covers(rows int) bool {
	lo, hi := t.top, min(t.top+t.visible(rows), int(t.stats.Stored))
	return hi <= lo || (t.winOff <= lo && hi <= t.winOff+len(t.win))
}

// place keeps the selection in range and on screen; following, it is the
// newest message.
func (t *messagesTab) place(rows int) {
	n := t.total()
	if t.follow {
		t.sel = n - 1
	}
	t.sel = max(min(t.sel, n-1), 0)
	if t.follow {
		t.top = n - rows
	}
	t.top = max(min(t.top, t.sel, n-rows), t.sel-rows+1, 0)
}

// message returns the i-th message if the window holds it or it is held.
func (t *messagesTab) message(i int) *session.Message {
	if h := i - int(t.stats.Stored); h >= 0 && h < len(t.held) {
		return heldMessage(t.held[h])
	}
	if i < t.winOff || i >= t.winOff+len(t.win) {
		return nil
	}
	return &t.win[i-t.winOff]
}

// msgRows is how many messages the Messages tab lists: half the pager,
// less its header and the line above the selected message.
func (v *Model) msgRows() int { return max((v.height-3-2)/2, 3) }

// StoreChanged takes in a change of the store that may not change the
// open flow itself (Refreshed calls it after each list refresh, so at most
// once per refresh interval): a WebSocket flow's messages are read again.
// The command reads the counts, and the window only when they or the
// selection need it. A tab that reads more than the flow hooks in here,
// not in the root.
func (v *Model) StoreChanged() tea.Cmd {
	if v.flow == nil || !isWebSocket(v.flow) {
		return nil
	}
	return v.loadMessages()
}

func (v *Model) loadMessages() tea.Cmd {
	t := &v.msgs
	if t.src == nil {
		return nil
	}
	if t.loading {
		t.again = true
		return nil
	}
	t.loading, t.again = true, false
	rows := v.msgRows()
	src, id, follow, prev, covered := t.src, v.id, t.follow, t.stats, t.known && t.covers(rows)
	// A window of three screens around the list, so that moving the
	// selection seldom waits for a load.
	off, n := max(t.top-rows, 0), 3*rows
	return func() tea.Msg {
		st := src.MessageStats(id)
		if st == prev && covered {
			return messagesLoadedMsg{id: id, stats: st, same: true}
		}
		if follow {
			off = max(int(st.Stored)-n, 0)
		}
		msgs, err := src.Messages(id, off, n)
		return messagesLoadedMsg{id: id, stats: st, off: off, msgs: msgs, err: err}
	}
}

// messagesLoaded takes in a load; another starts if the selection moved
// off the window meanwhile or the store changed again.
func (v *Model) messagesLoaded(msg messagesLoadedMsg) tea.Cmd {
	t := &v.msgs
	if msg.id != v.id || msg.id != t.id {
		return nil
	}
	t.loading = false
	t.stats, t.known = msg.stats, true
	if !msg.same {
		t.win, t.winOff, t.err = msg.msgs, msg.off, msg.err
	}
	rows := v.msgRows()
	t.place(rows)
	var cmd tea.Cmd
	// The same window again would not cover more: wait for a change.
	if t.again || (t.err == nil && !t.covers(rows) && max(t.top-rows, 0) != msg.off) {
		cmd = v.loadMessages()
	}
	v.layoutMessages()
	return tea.Batch(cmd, v.detailCmd())
}

// layoutMessages redraws the tab if it is the one shown.
func (v *Model) layoutMessages() {
	if v.tab == TabMessages {
		v.layout(true)
	}
}

// messagesKey handles the Messages tab's keys: next and previous message
// and following; handled is false for other keys and tabs.
func (v *Model) messagesKey(msg tea.KeyMsg) (cmd tea.Cmd, handled bool) {
	if v.tab != TabMessages || v.flow == nil || !isWebSocket(v.flow) {
		return nil, false
	}
	b, ok := v.keys.Lookup(keymap.ScopeMessages, msg)
	if !ok {
		return nil, false
	}
	t := &v.msgs
	rows := v.msgRows()
	switch b.Action {
	case keymap.ActNextMessage, keymap.ActPrevMessage:
		d := 1
		if b.Action == keymap.ActPrevMessage {
			d = -1
		}
		t.follow = false
		t.sel += d
	case keymap.ActFollow:
		t.follow = !t.follow
	default:
		return nil, false
	}
	t.place(rows)
	var cmds []tea.Cmd
	if !t.covers(rows) || t.follow {
		cmds = append(cmds, v.loadMessages())
	}
	// A new selection shows its message from the top.
	v.layout(false)
	return tea.Batch(append(cmds, v.detailCmd())...), true
}

// detailCmd renders the selected message off the event loop when it is
// too large to render while drawing (see messageDetail).
func (v *Model) detailCmd() tea.Cmd {
	t := &v.msgs
	m, held := t.message(t.sel), t.heldID(t.sel)
	if m == nil || len(m.Data)+len(m.Original) <= syncRenderCap || m.Opcode == session.OpClose {
		return nil
	}
	d := &t.detail
	if d.seq == m.Seq && d.held == held && d.mode == v.mode {
		return nil // rendered, or being rendered
	}
	d.stop()
	ctx, cancel := context.WithCancel(context.Background())
	*d = msgDetail{seq: m.Seq, held: held, mode: v.mode, cancel: cancel}
	id, msg, mode, st := v.id, *m, v.mode, v.st
	return func() tea.Msg {
		return msgRenderedMsg{id: id, seq: msg.Seq, held: held, mode: mode, lines: renderMessage(ctx, &msg, mode, st)}
	}
}

// detailRendered takes in a rendered message.
func (v *Model) detailRendered(msg msgRenderedMsg) {
	d := &v.msgs.detail
	if msg.id != v.id || msg.seq != d.seq || msg.held != d.held || msg.mode != d.mode {
		return
	}
	d.lines = msg.lines
	v.layoutMessages()
}
