package session

import (
	"encoding/base64"
	"fmt"
	"io"
	"math"
	"unicode/utf8"
)

// harMessage is one WebSocket message in the form Chrome's DevTools write
// under an entry's "_webSocketMessages": type "send" (client to server)
// or "receive", time in seconds since the Unix epoch, the opcode, and the
// payload as text, or base64 when the opcode is not text. Chrome also
// writes type "error", with the error text in data. The underscore fields
// are siphon's, written only when they say something data does not.
type harMessage struct {
	Type   string `json:"type"`
	Time   harNum `json:"time"`
	Opcode harNum `json:"opcode"`
	Data   string `json:"data"`
	// Encoding is "base64" for a text message whose payload is not UTF-8
	// (JSON strings cannot carry it).
	Encoding  string `json:"_encoding,omitempty"`
	Size      int64  `json:"_size,omitempty"` // when it differs from the payload's length
	Truncated bool   `json:"_truncated,omitempty"`
	Note      string `json:"_note,omitempty"`
	// Action is Message.Action; Original the payload before an edit,
	// encoded as Data is (OriginalEncoding "base64" for text that is not
	// UTF-8).
	Action           string  `json:"_action,omitempty"`
	Original         *string `json:"_original,omitempty"`
	OriginalEncoding string  `json:"_originalEncoding,omitempty"`
}

// harPayload encodes a payload as "data" carries it: text as is when it is
// UTF-8, else base64; encoding is "base64" for text that is not UTF-8.
func harPayload(op Opcode, b []byte) (data, encoding string) {
	switch {
	case op == OpText && utf8.Valid(b):
		return string(b), ""
	case op == OpText:
		return base64.StdEncoding.EncodeToString(b), "base64"
	}
	return base64.StdEncoding.EncodeToString(b), ""
}

// payloadOfHAR decodes what harPayload encoded; ok is false when data
// should be base64 and is not (it is then kept as written).
func payloadOfHAR(op Opcode, data, encoding string) (b []byte, ok bool) {
	if op != OpText || encoding == "base64" {
		if b, err := base64.StdEncoding.DecodeString(data); err == nil {
			return b, true
		}
		return []byte(data), op == OpText
	}
	return []byte(data), true
}

// harMessagesOf converts a flow's messages to their HAR form.
func harMessagesOf(msgs []Message) []harMessage {
	if len(msgs) == 0 {
		return nil
	}
	out := make([]harMessage, len(msgs))
	for i, m := range msgs {
		h := harMessage{Type: "send", Opcode: harNum(m.Opcode), Truncated: m.Truncated, Note: m.Note, Action: m.Action}
		if m.Dir == Down {
			h.Type = "receive"
		}
		// Microseconds: what a float64 of seconds holds exactly today.
		h.Time = harNum(float64((int64(m.Time)+500)/1000) / 1e6)
		h.Data, h.Encoding = harPayload(m.Opcode, m.Data)
		if m.Original != nil {
			var orig string
			orig, h.OriginalEncoding = harPayload(m.Opcode, m.Original)
			h.Original = &orig
		}
		if m.Size != int64(len(m.Data)) {
			h.Size = m.Size
		}
		out[i] = h
	}
	return out
}

// messagesOfHAR converts the "_webSocketMessages" of an entry, from siphon
// or Chrome, to messages (Seq unset: AddMessage numbers them).
func messagesOfHAR(hs []harMessage) ([]Message, error) {
	if len(hs) == 0 {
		return nil, nil
	}
	out := make([]Message, 0, len(hs))
	for i, h := range hs {
		m := Message{Truncated: h.Truncated, Note: h.Note, Action: h.Action}
		switch h.Type {
		case "send":
			m.Dir = Up
		case "receive":
			m.Dir = Down
		case "error":
			// Chrome's record of a failed connection: kept as a note.
			m.Dir, m.Note = Down, "WebSocket error recorded by the browser: "+h.Data
			out = append(out, m)
			continue
		default:
			return nil, fmt.Errorf("_webSocketMessages[%d]: type %q, want send or receive", i, h.Type)
		}
		if op := float64(h.Opcode); op >= 0 && op <= 15 && op == math.Trunc(op) {
			m.Opcode = Opcode(op)
		} else {
			return nil, fmt.Errorf("_webSocketMessages[%d]: opcode %v", i, op)
		}
		if t := float64(h.Time); t > 0 {
			m.Time = Stamp(int64(math.Round(t*1e6)) * 1000) // float64 µs are exact to 2^53
		}
		var ok bool
		if m.Data, ok = payloadOfHAR(m.Opcode, h.Data, h.Encoding); !ok {
			m.Note = joinNote(m.Note, "data is not base64: kept as written")
		}
		if h.Original != nil {
			if m.Original, ok = payloadOfHAR(m.Opcode, *h.Original, h.OriginalEncoding); !ok {
				m.Note = joinNote(m.Note, "_original is not base64: kept as written")
			}
		}
		if len(m.Data) == 0 {
			m.Data = nil
		}
		m.Size = int64(len(m.Data))
		if h.Size > m.Size {
			m.Size = h.Size
		}
		out = append(out, m)
	}
	return out, nil
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// WriteMessages is Write for a WebSocket flow: msgs (as Store.Messages
// returns them) go into the entry's "_webSocketMessages", where Chrome
// writes them.
func (hw *HARWriter) WriteMessages(f *Flow, msgs []Message) error {
	return hw.write(f, msgs)
}

// ReadHARMessages is ReadHAR that also hands fn each entry's WebSocket
// messages ("_webSocketMessages", as siphon and Chrome write them), nil
// for entries without any.
func ReadHARMessages(r io.Reader, fn func(f *Flow, msgs []Message) error) (int, error) {
	return readHAR(r, fn)
}
