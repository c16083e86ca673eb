package breakpoint

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/siphonproxy/siphon/session"
)

// A payload is shown as text when it is a text message an editor keeps
// intact, else as hex digits; saved as shown, it reads back the same,
// with or without the final newline an editor adds.
func TestPayloadRoundTrip(t *testing.T) {
	for _, c := range []struct {
		name  string
		data  string
		op    session.Opcode
		shown string
	}{
		{"text", `{"op":"say"}`, session.OpText, "Siphon-Payload: text\n\n{\"op\":\"say\"}"},
		{"text starting like a note", "# not a note\n\nstill the payload\n", session.OpText,
			"Siphon-Payload: text\n\n# not a note\n\nstill the payload\n"},
		{"empty text", "", session.OpText, "Siphon-Payload: text\n\n"},
		{"text with a control character", "a\x1bb", session.OpText, "Siphon-Payload: hex\n\n61 1b 62\n"},
		{"binary", "\x00\x01\xffok", session.OpBinary, "Siphon-Payload: hex\n\n00 01 ff 6f 6b\n"},
		{"binary that looks like text", "hello", session.OpBinary, "Siphon-Payload: hex\n\n68 65 6c 6c 6f\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			shown := payloadText([]byte(c.data), c.op)
			if string(shown.text) != c.shown {
				t.Fatalf("shown as %q, want %q", shown.text, c.shown)
			}
			saves := [][]byte{shown.text}
			if !bytes.HasSuffix(shown.text, []byte("\n")) { // an editor adds one
				saves = append(saves, append(bytes.Clone(shown.text), '\n'))
			}
			for _, saved := range saves {
				got, err := parsePayload(saved, shown, c.op)
				if err != nil || string(got) != c.data || got == nil {
					t.Errorf("saved as %q: read %q (nil %v), %v; want %q", saved, got, got == nil, err, c.data)
				}
			}
		})
	}
}

// A payload edited into something that cannot be sent is refused with
// the line at fault, so the editor opens again on it.
func TestParsePayloadErrors(t *testing.T) {
	text := payloadText(nil, session.OpText)
	for _, c := range []struct {
		saved string
		op    session.Opcode
		want  string
	}{
		{"hello", session.OpText, "line 1: \"hello\": want Siphon-Payload: text or Siphon-Payload: hex on the first line"},
		{"Siphon-Payload: base64\n\naGk=", session.OpText, `line 1: unknown Siphon-Payload: "base64" (want text or hex)`},
		{"Siphon-Payload: text\nhello", session.OpText, "line 2: want a blank line between Siphon-Payload and the payload"},
		{"Siphon-Payload: hex\n\nzz", session.OpBinary, "the payload is not hex digits"},
		{"Siphon-Payload: hex\n\nff fe", session.OpText, "a text message must be UTF-8 (RFC 6455)"},
	} {
		_, err := parsePayload([]byte(c.saved), text, c.op)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.saved, err, c.want)
		}
	}
	// The form may be changed in the editor: hex digits for a text
	// message, text for a binary one.
	if got, err := parsePayload([]byte("Siphon-Payload: hex\n\n68 69"), text, session.OpText); err != nil || string(got) != "hi" {
		t.Errorf("hex for text: %q, %v", got, err)
	}
	if got, err := parsePayload([]byte("siphon-payload: TEXT\r\n\r\nhi"), payloadText(nil, session.OpBinary), session.OpBinary); err != nil || string(got) != "hi" {
		t.Errorf("text for binary, CRLF: %q, %v", got, err)
	}
}

// Whatever the payload, saved as shown it reads back the same, and any
// edit either reads or is refused with an error, never a panic.
func FuzzPayload(f *testing.F) {
	f.Add([]byte(`{"op":"say"}`), true, []byte("Siphon-Payload: text\n\nhi\n"))
	f.Add([]byte("\x00\xff"), false, []byte("Siphon-Payload: hex\n\n00 zz"))
	f.Add([]byte("# x\n\n"), true, []byte("Siphon-Payload:\n"))
	f.Fuzz(func(t *testing.T, data []byte, text bool, edited []byte) {
		op := session.OpBinary
		if text {
			op = session.OpText
		}
		shown := payloadText(data, op)
		if got, err := parsePayload(shown.text, shown, op); text && !utf8.Valid(data) {
			if err == nil {
				t.Fatalf("invalid UTF-8 %q read as a text message", data)
			}
		} else if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%q shown as %q read back as %q, %v", data, shown.text, got, err)
		}
		if got, err := parsePayload(edited, shown, op); err == nil && (got == nil || text && !utf8.Valid(got)) {
			t.Fatalf("%q read as %q", edited, got)
		}
	})
}
