package flowview

import (
	"github.com/siphonproxy/siphon/grpcmsg"
	"github.com/siphonproxy/siphon/session"
)

// MessageSource is what the Messages tab reads from the session
// (*session.Store): a flow's message counts and a window of its messages.
// Both are called from commands, never on the event loop.
type MessageSource interface {
	// MessageStats counts a flow's messages, stored and seen.
	MessageStats(flowID string) session.MessageStats
	// Messages returns up to n messages of a flow after the first offset.
	Messages(flowID string, offset, n int) ([]session.Message, error)
}

// Option configures a Model.
type Option func(*Model)

// WithMessages sets where the Messages tab of a WebSocket flow reads its
// messages; without it the tab says that it has no messages to read.
func WithMessages(src MessageSource) Option { return func(v *Model) { v.msgs.src = src } }

// WithAllListeners says whether the proxy has several listeners: the
// Details tab then names the listener of every flow; else only that of a
// flow that came in on a reverse or SOCKS5 listener, so that the common
// case, one regular listener, adds no line.
func WithAllListeners(several bool) Option { return func(v *Model) { v.allListeners = several } }

// WithProtoTypes sets the gRPC message types, as SetProtoTypes does.
func WithProtoTypes(t *grpcmsg.Types) Option { return func(v *Model) { v.types = t } }
