package session

import (
	"encoding/binary"
	"strconv"
	"unicode/utf8"
)

// Direction says which peer sent a WebSocket message.
type Direction uint8

// Message directions, named like StreamStats' BytesUp and BytesDown.
const (
	Up   Direction = iota // client to server
	Down                  // server to client
)

func (d Direction) String() string {
	if d == Up {
		return "up"
	}
	return "down"
}

// Opcode is a WebSocket frame opcode (RFC 6455 section 5.2).
type Opcode uint8

// WebSocket opcodes. Messages are Text, Binary or Close; Ping and Pong are
// only counted, and other values appear only on a message that records a
// protocol error.
const (
	OpContinuation Opcode = 0
	OpText         Opcode = 1
	OpBinary       Opcode = 2
	OpClose        Opcode = 8
	OpPing         Opcode = 9
	OpPong         Opcode = 10
)

func (o Opcode) String() string {
	switch o {
	case OpContinuation:
		return "continuation"
	case OpText:
		return "text"
	case OpBinary:
		return "binary"
	case OpClose:
		return "close"
	case OpPing:
		return "ping"
	case OpPong:
		return "pong"
	}
	return "opcode " + strconv.Itoa(int(o))
}

// Message is one WebSocket message of a flow, reassembled from its frames
// and decompressed (permessage-deflate) as the peer received it.
//
// A Message handed to or returned by a Store is a snapshot; Data is never
// modified in place and may be shared.
type Message struct {
	// Seq numbers the flow's messages from 1 in the order the Store
	// received them; AddMessage sets it.
	Seq  int64
	Dir  Direction
	Time Stamp // when the message's last frame was relayed
	// Opcode is OpText, OpBinary or OpClose; a close payload is the status
	// code (2 bytes, big endian) then the UTF-8 reason, see CloseStatus.
	Opcode Opcode
	// Data is the payload, decompressed, cut at the capture limit.
	Data []byte
	// Size is the full payload size (decompressed); when a deflate bomb
	// stopped decompression, the size reached before it stopped.
	Size      int64
	Truncated bool // Data is cut short of Size
	// Note says what was wrong with the message or the frames that carried
	// it (bad opcode, invalid UTF-8, ...); empty when nothing was.
	Note string
	// Action says what siphon did to the message beyond relaying it: one
	// of the Action* values, or "rewritten by rule NAME" and "dropped by
	// rule NAME"; empty for a message relayed as it came.
	Action string
	// Original is the payload as the peer sent it, when an edit or a rule
	// changed it (Data is then what was sent on); nil otherwise.
	Original []byte
}

// Actions recorded on messages siphon changed, held or sent itself.
const (
	ActionEdited   = "edited"   // changed at a breakpoint, then forwarded
	ActionDropped  = "dropped"  // dropped at a breakpoint (or its connection closed while held)
	ActionInjected = "injected" // sent by siphon, not by a peer
)

// RuleAction returns the Action of a message a rule changed: verb is
// "rewritten" or "dropped".
func RuleAction(verb, rule string) string { return verb + " by rule " + strconv.Quote(rule) }

// CloseStatus returns the status code and reason of a close message: code
// 1005 (no status received) for an empty payload, and ok false when m is
// not a close message or its payload is malformed (1 byte, or a reason
// that is not UTF-8).
func (m *Message) CloseStatus() (code int, reason string, ok bool) {
	if m.Opcode != OpClose {
		return 0, "", false
	}
	switch {
	case len(m.Data) == 0:
		return 1005, "", true
	case len(m.Data) == 1:
		return 0, "", false
	}
	code, reason = int(binary.BigEndian.Uint16(m.Data)), string(m.Data[2:])
	return code, reason, m.Truncated || utf8.ValidString(reason)
}

// ClosePayload returns the payload of a close message with the given
// status code and reason.
func ClosePayload(code int, reason string) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(code))
	return append(b, reason...)
}
