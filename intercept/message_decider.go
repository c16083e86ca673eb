package intercept

import (
	"context"

	"github.com/siphonproxy/siphon/session"
)

// MessageDecider is implemented by Deciders that also decide about the
// WebSocket messages of a flow (an Engine with message rules or message
// breakpoints). The proxy relays a WebSocket byte for byte while
// WantsMessages is false, and asks again as messages pass, so a rule or a
// breakpoint added while the connection is open applies from the next
// message on.
type MessageDecider interface {
	// WantsMessages reports, cheaply, whether DecideMessage may do anything
	// to f's messages. f is a snapshot the proxy may reuse.
	WantsMessages(f *session.Flow) bool
	// DecideMessage decides about one text or binary message m, its
	// payload whole and decoded (inflated), before any of it is sent on.
	// It does not block: a message held at a breakpoint is a decision
	// with Wait set. f and m are the proxy's: read them during the call
	// only.
	DecideMessage(ctx context.Context, f *session.Flow, m *session.Message) MessageDecision
	// SkippedMessage returns a note on what DecideMessage would have done
	// to m, which went on without a decision because of why ("larger than
	// the capture limit"): "not held: why", "not rewritten: why", "not
	// dropped: why", or "" when nothing would have acted. It does not block.
	SkippedMessage(f *session.Flow, m *session.Message, why string) string
	// MessagesEnded is called once the WebSocket connection of the flow
	// has closed and its messages are all relayed or released: state kept
	// for the flow (its message breakpoint) is dropped.
	MessagesEnded(flowID string)
}

// MessageDecision is what happens to one WebSocket message. The zero
// value forwards it unchanged.
type MessageDecision struct {
	// Drop discards the message: the peer never gets it.
	Drop bool
	// Data, when not nil, is the payload to send instead of the message's.
	Data []byte
	// Action is recorded as the message's session.Message.Action
	// ("edited", `rewritten by rule "x"`, ...); empty when nothing was done.
	Action string
	// Note is added to the message's note (a timeout, a rewrite skipped).
	Note string
	// Wait is set when the message is held at a breakpoint: the caller
	// holds that direction of the connection and calls Wait, which blocks
	// until the message is forwarded (as is or edited) or dropped, the
	// intercept timeout passes (forwarded as the rules left it), or ctx
	// ends (the connection closed: dropped), and returns the decision to
	// act on, never with Wait set.
	Wait func(ctx context.Context) MessageDecision
}

func (c chain) WantsMessages(f *session.Flow) bool {
	for _, d := range c {
		if m, ok := d.(MessageDecider); ok && m.WantsMessages(f) {
			return true
		}
	}
	return false
}

// DecideMessage asks each MessageDecider in turn; the first decision that
// does something wins.
func (c chain) DecideMessage(ctx context.Context, f *session.Flow, m *session.Message) MessageDecision {
	for _, d := range c {
		md, ok := d.(MessageDecider)
		if !ok || !md.WantsMessages(f) {
			continue
		}
		if dec := md.DecideMessage(ctx, f, m); dec.Drop || dec.Data != nil || dec.Action != "" || dec.Note != "" || dec.Wait != nil {
			return dec
		}
	}
	return MessageDecision{}
}

// SkippedMessage returns the note of the first MessageDecider that has one.
func (c chain) SkippedMessage(f *session.Flow, m *session.Message, why string) string {
	for _, d := range c {
		if md, ok := d.(MessageDecider); ok && md.WantsMessages(f) {
			if note := md.SkippedMessage(f, m, why); note != "" {
				return note
			}
		}
	}
	return ""
}

func (c chain) MessagesEnded(flowID string) {
	for _, d := range c {
		if md, ok := d.(MessageDecider); ok {
			md.MessagesEnded(flowID)
		}
	}
}

var _ MessageDecider = chain(nil)
