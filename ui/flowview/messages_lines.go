package flowview

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/keymap"
	"github.com/siphonproxy/siphon/ui/style"
)

// syncRenderCap is the largest payload rendered while drawing; larger
// ones are rendered by a command (detailCmd).
const syncRenderCap = 16 << 10

// previewCap is how much of a payload a list row looks at.
const previewCap = 256

// messagesLines draws the Messages tab: a header with the counts, one row
// per listed message, then the selected message in full.
func (v *Model) messagesLines(f *session.Flow) []string {
	t, st := &v.msgs, v.st
	switch {
	case t.src == nil:
		return []string{st.Muted.Render("no message store: this view cannot read WebSocket messages")}
	case !t.known:
		return []string{v.spin.View() + " loading the messages…"}
	}
	rows := v.msgRows()
	t.place(rows)
	lines := []string{v.messagesHeader(f)}
	if t.stats.Capped() {
		lines = append(lines, st.Warning.Render(fmt.Sprintf("message cap reached: %s stored, %d more only counted",
			style.Count(int(t.stats.Stored), "message"), t.stats.Seen-t.stats.Stored)))
	}
	if t.err != nil {
		lines = append(lines, st.Error.Render(style.Printable("cannot read the messages: "+t.err.Error())))
	}
	if t.total() == 0 {
		return append(lines, st.Muted.Render("no messages yet"))
	}
	start := session.Stamp(0)
	if f != nil {
		start = f.Start()
	}
	for i := t.top; i < t.top+t.visible(rows); i++ {
		lines = append(lines, v.messageRow(i, start))
	}
	m := t.message(t.sel)
	if m == nil {
		return append(lines, "", v.spin.View()+" loading the message…")
	}
	if h := t.sel - int(t.stats.Stored); h >= 0 {
		lines = append(lines, v.heldTitle(t.held[h], start)...)
	} else {
		title := fmt.Sprintf("─ message %d %s %s %s at %s ", m.Seq, arrow(m.Dir), msgType(m), style.FormatSize(m.Size), offset(start, m.Time))
		lines = append(lines, st.Muted.Render(title+strings.Repeat("─", max(v.width-ansi.StringWidth(title), 1))))
	}
	return append(lines, v.messageDetail(m, t.heldID(t.sel))...)
}

// messagesHeader says how many messages there are, which is selected,
// whether the connection is open, and whether the list follows.
func (v *Model) messagesHeader(f *session.Flow) string {
	t := &v.msgs
	s := style.Count(int(t.stats.Stored), "message")
	if t.total() > 0 {
		s = fmt.Sprintf("message %d of %d", t.sel+1, t.total())
	}
	if len(t.held) > 0 {
		s += fmt.Sprintf(" · %d paused", len(t.held))
	}
	if f != nil && (f.State == session.Done || f.State == session.Failed) {
		s += " · connection closed"
	} else {
		s += " · connection open"
	}
	follow := "follow: off"
	if t.follow {
		follow = "follow: on"
	}
	if k := v.keys.Key(keymap.ScopeMessages, keymap.ActFollow); k != "" {
		follow += " (" + keymap.KeyLabel(k) + ")"
	}
	return v.st.Muted.Render(s + " · " + follow)
}

// messageRow is one message as a list row: direction, time since the
// flow started, size, type and a preview of the payload.
func (v *Model) messageRow(i int, start session.Stamp) string {
	st, w := v.st, max(v.width, 1)
	m := v.msgs.message(i)
	if m == nil {
		return st.Muted.Render(style.Cell(fmt.Sprintf("  %d …", i+1), w))
	}
	seq, held := fmt.Sprint(m.Seq), v.msgs.heldID(i) != ""
	if held {
		seq = "⏸"
	}
	row := fmt.Sprintf("%s %s %9s %8s %-12s ", arrow(m.Dir), style.RCell(seq, 6),
		offset(start, m.Time), style.FormatSize(m.Size), msgType(m))
	preview := rowMarks(m) + messagePreview(m)
	switch {
	case i == v.msgs.sel:
		return st.Selected.Render(style.Cell("▸"+row+preview, w))
	case held:
		return st.Intercepted.Render(style.Cell(" "+row+preview, w))
	}
	line := " " + row
	return line + st.Muted.Render(style.Cell(preview, max(w-ansi.StringWidth(line), 0)))
}

// arrow draws a direction: up is the client's, down the server's.
func arrow(d session.Direction) string {
	if d == session.Up {
		return "↑"
	}
	return "↓"
}

// offset is the time from the flow's start to t, "+1.25s".
func offset(start, t session.Stamp) string {
	if start == 0 || t == 0 {
		return "?"
	}
	return "+" + style.FormatDuration(session.Span(start, t))
}

// msgType names a message's type; a close message with its code.
func msgType(m *session.Message) string {
	if code, _, ok := m.CloseStatus(); ok {
		return fmt.Sprintf("close %d", code)
	}
	return m.Opcode.String()
}

// messagePreview is the start of a payload on one line: text as text,
// binary as hex, a close message's reason.
func messagePreview(m *session.Message) string {
	data := m.Data[:min(len(m.Data), previewCap)]
	switch {
	case m.Opcode == session.OpClose:
		if _, reason, ok := m.CloseStatus(); ok {
			return style.Printable(reason)
		}
		return "malformed close payload " + fmt.Sprintf("% x", data)
	case m.Opcode == session.OpText || isText(data):
		return style.Printable(strings.Join(strings.Fields(string(data)), " "))
	}
	return fmt.Sprintf("% x", data[:min(len(data), 32)])
}

// messageDetail is the selected message in full: its note, then its
// payload in the body view's current mode (rendered while drawing when
// small, else by detailCmd).
func (v *Model) messageDetail(m *session.Message, held string) []string {
	d := &v.msgs.detail
	if d.seq == m.Seq && d.held == held && d.mode == v.mode && d.lines != nil {
		return d.lines
	}
	if len(m.Data)+len(m.Original) > syncRenderCap && m.Opcode != session.OpClose {
		return []string{v.spin.View() + " rendering the message…"}
	}
	d.stop()
	*d = msgDetail{seq: m.Seq, held: held, mode: v.mode, lines: renderMessage(context.Background(), m, v.mode, v.st)}
	return d.lines
}

// renderMessage renders a message's payload with the body views: JSON
// pretty-printed, text as text, binary as hex (v cycles the modes).
// An edited or rewritten message is followed by its original payload,
// rendered the same way.
func renderMessage(ctx context.Context, m *session.Message, mode ViewMode, st style.Styles) []string {
	var lines []string
	if w := actionWords(m); w != "" {
		lines = append(lines, st.Intercepted.Render(w))
	}
	problems, own := splitNote(m.Note)
	if problems != "" {
		lines = append(lines, st.Warning.Render(style.Printable(markProblem+" note: "+problems)))
	}
	if own != "" {
		lines = append(lines, st.Muted.Render(style.Printable(markSiphon+" siphon: "+own)))
	}
	lines = append(lines, renderPayload(ctx, m, mode, st)...)
	if m.Original == nil {
		return lines
	}
	orig := session.Message{Opcode: m.Opcode, Data: m.Original, Size: int64(len(m.Original))}
	lines = append(lines, "", st.Title.Render("original payload, as the peer sent it:"))
	return append(lines, renderPayload(ctx, &orig, mode, st)...)
}

// renderPayload renders one payload: a close message's code and reason,
// else the body views' lines.
func renderPayload(ctx context.Context, m *session.Message, mode ViewMode, st style.Styles) []string {
	var lines []string
	if m.Opcode == session.OpClose {
		code, reason, ok := m.CloseStatus()
		if !ok {
			lines = append(lines, st.Warning.Render("malformed close payload:"))
			return append(lines, hexLines(m.Data, st, func(string, ...any) {})...)
		}
		lines = append(lines, fmt.Sprintf("close code %d (%s)", code, closeName(code)))
		if reason != "" {
			lines = append(lines, "reason: "+style.Printable(reason))
		}
		return lines
	}
	h := http.Header{}
	if m.Opcode != session.OpText {
		h.Set("Content-Type", "application/octet-stream")
	}
	body := session.Body{Data: m.Data, Size: m.Size, Truncated: m.Truncated}
	if m.Size == 0 && len(m.Data) == 0 {
		return append(lines, st.Muted.Render("(empty message)"))
	}
	out := renderBody(ctx, body, h, mode, st, &progress{})
	// The body's summary line speaks of a body; the title says the rest.
	return append(lines, out[1:]...)
}

// closeName names the close codes of RFC 6455 section 7.4.1.
func closeName(code int) string {
	switch code {
	case 1000:
		return "normal closure"
	case 1001:
		return "going away"
	case 1002:
		return "protocol error"
	case 1003:
		return "unsupported data"
	case 1005:
		return "no status received"
	case 1006:
		return "abnormal closure"
	case 1007:
		return "invalid payload data"
	case 1008:
		return "policy violation"
	case 1009:
		return "message too big"
	case 1010:
		return "mandatory extension"
	case 1011:
		return "internal error"
	}
	return "application-defined"
}
