package breakpoint

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/style"
	"github.com/siphonproxy/siphon/ui/wsintercept"
)

// A WebSocket message in the editor is its payload under one line that
// says how it is written, Siphon-Payload: text or Siphon-Payload: hex,
// and a blank line. The line keeps a payload that starts with # or blank
// lines from being taken for siphon's notes; it is never sent. Binary
// payloads (and text that would not survive an editor) are hex digits, as
// the raw HTTP editor writes binary bodies.

// payloadHeader names the form of a payload in the editor.
const payloadHeader = "Siphon-Payload"

// payloadText formats a payload for the editor.
func payloadText(data []byte, op session.Opcode) messageText {
	form, shown := formText, data
	if op != session.OpText || !editableText(data) {
		form, shown = formHex, hexText(data)
	}
	name := "text"
	if form == formHex {
		name = "hex"
	}
	text := append([]byte(payloadHeader+": "+name+"\n\n"), shown...)
	return messageText{text: text, form: form, bodyEndsInNewline: bytes.HasSuffix(shown, []byte("\n"))}
}

// parsePayload reads an edited payload (notes cut off with stripNotes)
// of a message with opcode op; orig is how it was shown. The result is
// never nil: an empty payload is an empty slice.
func parsePayload(text []byte, orig messageText, op session.Opcode) ([]byte, error) {
	first, rest, _ := bytes.Cut(text, []byte("\n"))
	name, value, ok := strings.Cut(strings.TrimSpace(string(first)), ":")
	if !ok || !strings.EqualFold(strings.TrimSpace(name), payloadHeader) {
		return nil, &editError{1, fmt.Sprintf("%q: want %s: text or %s: hex on the first line", style.CapText(string(first), 80), payloadHeader, payloadHeader)}
	}
	switch {
	case bytes.HasPrefix(rest, []byte("\r\n")):
		rest = rest[2:]
	case bytes.HasPrefix(rest, []byte("\n")):
		rest = rest[1:]
	case len(bytes.TrimSpace(rest)) > 0:
		return nil, &editError{2, "want a blank line between " + payloadHeader + " and the payload"}
	default:
		rest = nil
	}
	var data []byte
	switch strings.ToLower(strings.TrimSpace(value)) {
	case "text":
		data = rest
		if !orig.bodyEndsInNewline {
			data = bytes.TrimSuffix(data, []byte("\n"))
		}
	case "hex":
		var err error
		if data, err = unhexText(rest); err != nil {
			return nil, &editError{0, strings.Replace(err.Error(), "the body", "the payload", 1)}
		}
	default:
		return nil, &editError{1, fmt.Sprintf("unknown %s: %q (want text or hex)", payloadHeader, style.CapText(strings.TrimSpace(value), 40))}
	}
	if op == session.OpText && !utf8.Valid(data) {
		return nil, &editError{0, "a text message must be UTF-8 (RFC 6455): fix the bytes, or send it as binary"}
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// messageEdit is the edit of a paused message's payload; saved, the
// message is forwarded as edited (unchanged when the payload is).
func (m *Model) messageEdit(pm wsintercept.PausedMessage, what string) *editJob {
	e := m.cfg.Messages
	job := &editJob{what: what, shown: payloadText(pm.Data, pm.Opcode), ext: ".txt"}
	job.apply = func(text []byte) (string, error) {
		data, err := parsePayload(text, job.shown, pm.Opcode)
		if err != nil {
			return "", err
		}
		done := "forwarded the edited " + strings.TrimPrefix(what, "the ")
		if bytes.Equal(data, pm.Data) {
			data, done = nil, "forwarded "+what+" unchanged"
		}
		if err := e.ForwardMessage(pm.ID, data); err != nil {
			return "", messageError("forward", what, err)
		}
		return done, nil
	}
	job.help = payloadNotes(fmt.Sprintf("%s, paused by %s. Save and quit to forward it as written here;", what, pm.By),
		"empty the file to leave it paused.", job.shown)
	return job
}

// payloadNotes are the notes on top of an edited payload.
func payloadNotes(what, cancel string, shown messageText) []string {
	notes := []string{"# siphon: " + style.Printable(what), "# " + cancel,
		"# The payload starts after the " + payloadHeader + " line and a blank line; that line is never sent."}
	if shown.form == formHex {
		notes = append(notes, "# It is written as hex digits ("+payloadHeader+": hex; white space is ignored); "+payloadHeader+": text takes text.")
	}
	return notes
}
