package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui"
)

// previewRunes is how much of a message's payload a line shows.
const previewRunes = 60

// printMessages writes one line per WebSocket message of a flow (see
// formatMessage), reading them from the store a window at a time, and a
// last line when the flow reached the message cap.
func printMessages(w *bufio.Writer, store *session.Store, f *session.Flow) error {
	const window = 256
	start := f.Start()
	for off := 0; ; off += window {
		msgs, err := store.Messages(f.ID, off, window)
		if err != nil {
			return err
		}
		for i := range msgs {
			w.WriteString(formatMessage(&msgs[i], start))
			w.WriteByte('\n')
		}
		if len(msgs) < window {
			break
		}
	}
	if st := store.MessageStats(f.ID); st.Capped() {
		fmt.Fprintf(w, "  … %d more messages past the message cap, counted but not stored\n", st.Seen-st.Stored)
	}
	return nil
}

// formatMessage is the one-line form of a WebSocket message, indented
// under its flow's line: direction (→ client to server, ← server to
// client), time since the flow started, size, type, and a preview: the
// start of a text, hex of a binary, code and reason of a close. A cut
// payload, what siphon did to the message (with the start of the payload
// an edit or a rule replaced) and a note are said at the end.
func formatMessage(m *session.Message, start session.Stamp) string {
	return "  " + messageFields(m, start)
}

// messageFields is a message's line without its indent, which a line
// printed live replaces with its flow's tag.
func messageFields(m *session.Message, start session.Stamp) string {
	var b strings.Builder
	if m.Dir == session.Up {
		b.WriteString("→")
	} else {
		b.WriteString("←")
	}
	offset := "-"
	if !m.Time.IsZero() && !start.IsZero() {
		offset = "+" + strconv.FormatFloat(time.Duration(m.Time-start).Seconds(), 'f', 3, 64) + "s"
	}
	fmt.Fprintf(&b, " %9s %8s %-6s", offset, ui.FormatSize(m.Size), m.Opcode)
	if p := preview(m); p != "" {
		b.WriteString(" " + p)
	}
	if m.Truncated {
		b.WriteString(" (truncated)")
	}
	if m.Action != "" {
		b.WriteString(" [" + printable(m.Action))
		if m.Original != nil {
			b.WriteString("; was: " + preview(&session.Message{Opcode: m.Opcode, Data: m.Original}))
		}
		b.WriteString("]")
	}
	if m.Note != "" {
		b.WriteString(" [" + printable(m.Note) + "]")
	}
	return b.String()
}

func preview(m *session.Message) string {
	switch m.Opcode {
	case session.OpClose:
		code, reason, ok := m.CloseStatus()
		if !ok {
			return hexPreview(m.Data)
		}
		if reason == "" {
			return strconv.Itoa(code)
		}
		return strconv.Itoa(code) + " " + strconv.Quote(reason)
	case session.OpText:
		if utf8.Valid(m.Data) || m.Truncated {
			return textPreview(m.Data)
		}
	}
	return hexPreview(m.Data)
}

// textPreview is the first runes of a text on one line: control
// characters become spaces, and an ellipsis says there is more.
func textPreview(data []byte) string {
	var b strings.Builder
	n := 0
	for len(data) > 0 && n < previewRunes {
		r, size := utf8.DecodeRune(data)
		data = data[size:]
		if !unicode.IsPrint(r) {
			r = ' '
		}
		b.WriteRune(r)
		n++
	}
	if len(data) > 0 {
		b.WriteString("…")
	}
	return b.String()
}

func hexPreview(data []byte) string {
	const max = 24
	if len(data) > max {
		return hex.EncodeToString(data[:max]) + "…"
	}
	return hex.EncodeToString(data)
}
