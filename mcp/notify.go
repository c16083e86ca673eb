package mcp

import (
	"context"
	"sync"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/siphonproxy/siphon/replay"
	"github.com/siphonproxy/siphon/session"
)

// Notifier is a Recorder in front of the proxy's store (or the recorder that
// wraps it) that tells a Server's subscribed clients about new and updated
// flows: siphon://flows for any change, siphon://flow/{id} for that flow.
// The proxy never waits for a client: Add and Update only note the id, and
// one goroutine (Run) sends the notifications, coalescing a burst of
// changes into one notification per flow. It is safe for concurrent use.
type Notifier struct {
	next replay.Recorder

	// pending holds the ids changed since Run last looked: one entry per
	// flow however often it changes, so it stays bounded by the flows
	// of a burst (or of the moments before Run starts).
	mu      sync.Mutex
	pending map[string]struct{}
	wake    chan struct{}
}

// NewNotifier returns a Notifier that passes every flow on to next.
func NewNotifier(next replay.Recorder) *Notifier {
	return &Notifier{next: next, pending: map[string]struct{}{}, wake: make(chan struct{}, 1)}
}

// Add passes f on, then notes it as new.
func (n *Notifier) Add(f *session.Flow) {
	n.next.Add(f)
	n.note(f.ID)
}

// Update passes f on, then notes it as changed.
func (n *Notifier) Update(f *session.Flow) error {
	err := n.next.Update(f)
	n.note(f.ID)
	return err
}

// AddMessage passes a WebSocket message on; the flow's own Update tells
// clients about it.
func (n *Notifier) AddMessage(flowID string, m session.Message) error {
	return n.next.AddMessage(flowID, m)
}

func (n *Notifier) note(id string) {
	n.mu.Lock()
	n.pending[id] = struct{}{}
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// Run sends the notifications of s's clients until ctx is done.
func (n *Notifier) Run(ctx context.Context, s *Server) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.wake:
		}
		n.mu.Lock()
		ids := n.pending
		n.pending = make(map[string]struct{}, len(ids))
		n.mu.Unlock()
		for id := range ids {
			// ResourceUpdated reaches only the sessions subscribed to
			// that URI; for the others it costs a map lookup.
			s.srv.ResourceUpdated(ctx, &sdk.ResourceUpdatedNotificationParams{URI: FlowURI(id)})
		}
		if len(ids) > 0 {
			s.srv.ResourceUpdated(ctx, &sdk.ResourceUpdatedNotificationParams{URI: FlowsURI})
		}
	}
}
