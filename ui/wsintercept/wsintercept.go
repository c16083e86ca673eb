// Package wsintercept is the UI's view of WebSocket message breakpoints
// and injection: a message held by the intercept engine (PausedMessage),
// what the UI asks of the engine (Engine) and of the proxy (Injector), and
// the snapshot of paused messages the features share (PausedMsg). The
// engine's own types stay in package intercept; Adapt turns the engine
// into an Engine.
package wsintercept

import (
	"time"

	"github.com/siphonproxy/siphon/session"
)

// PausedMessage is a WebSocket message held at a breakpoint, not yet
// relayed. Its fields are those of intercept.PausedMessage, in the same
// order, so that Adapt converts one into the other.
type PausedMessage struct {
	ID     string // the pause's id, unique in the process
	FlowID string
	Dir    session.Direction // session.Up (client to server) or session.Down
	Opcode session.Opcode    // session.OpText or session.OpBinary
	// Data is the payload as decoded (inflated); nobody may modify it.
	Data     []byte
	Since    time.Time
	Deadline time.Time // when the intercept timeout forwards it unchanged
	By       string    // `rule "name"` or "the flow's message breakpoint"
}

// Engine is what the UI asks of the intercept engine about messages
// (*intercept.Engine through Adapt). Its methods are safe for concurrent
// use and return at once; the UI calls them on its event loop.
type Engine interface {
	// PausedMessages returns the messages held, oldest first.
	PausedMessages() []PausedMessage
	// ForwardMessage relays a held message: data nil relays it unchanged,
	// otherwise data replaces its payload.
	ForwardMessage(id string, data []byte) error
	// DropMessage discards a held message: its peer never gets it.
	DropMessage(id string) error
	// BreakMessages turns pausing every data message of a flow, both
	// directions, on or off.
	BreakMessages(flowID string, on bool)
	// BreakingMessages reports whether BreakMessages is on for a flow.
	BreakingMessages(flowID string) bool
	// Changed receives a value after paused messages (or flows, or rules)
	// changed; signals coalesce.
	Changed() <-chan struct{}
}

// Injector sends a message of the user's own on an open WebSocket
// (*mitm.Proxy). InjectMessage may wait until the connection is between
// two messages, so the UI calls it from a command, never on the event
// loop.
type Injector interface {
	InjectMessage(flowID string, dir session.Direction, op session.Opcode, data []byte) error
}

// PausedMsg is a snapshot of the held messages, sent to every feature
// after the engine changed: the list marks their flows, the flow view
// lists them, the status bar counts them.
type PausedMsg struct {
	Messages []PausedMessage // oldest first
	// Breaking reports whether a flow pauses all its messages (B); nil
	// without an engine.
	Breaking func(flowID string) bool
}

// Of returns the messages of one flow, oldest first.
func (p PausedMsg) Of(flowID string) []PausedMessage {
	var out []PausedMessage
	for _, m := range p.Messages {
		if m.FlowID == flowID {
			out = append(out, m)
		}
	}
	return out
}

// BreakingFlow reports whether flowID pauses all its messages.
func (p PausedMsg) BreakingFlow(flowID string) bool {
	return p.Breaking != nil && p.Breaking(flowID)
}
