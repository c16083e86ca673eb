package mitm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/wsmsg"
)

// wsConns are a Proxy's open WebSocket connections by flow ID, for
// InjectMessage.
type wsConns struct {
	mu   sync.Mutex
	byID map[string]*relayed
}

func (w *wsConns) add(id string, rl *relayed) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.byID == nil {
		w.byID = map[string]*relayed{}
	}
	w.byID[id] = rl
}

func (w *wsConns) remove(id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.byID, id)
}

func (w *wsConns) get(id string) *relayed {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.byID[id]
}

// ErrNoWebSocket is returned by InjectMessage for a flow that is not an
// open WebSocket connection of this proxy.
var ErrNoWebSocket = errors.New("mitm: not an open WebSocket connection on this proxy")

// InjectMessage sends a text or binary message of siphon's own on the
// open WebSocket connection of the flow: to the server with dir
// session.Up (masked, as a client's frames are), to the client with
// session.Down. It goes between data messages, never inside a fragmented
// one, uncompressed, and is recorded in the flow's messages with Action
// session.ActionInjected. When a message is being relayed the injected
// one follows it; nil then means it is queued (recorded "not sent" if the
// connection ends first). Once a close frame went that way no message may
// follow it: the error then wraps wsmsg.ErrClosing.
func (p *Proxy) InjectMessage(flowID string, dir session.Direction, op session.Opcode, data []byte) error {
	rl := p.ws.get(flowID)
	if rl == nil {
		return fmt.Errorf("inject a message into flow %s: %w", flowID, ErrNoWebSocket)
	}
	r := rl.upR
	if dir == session.Down {
		r = rl.downR
	}
	if err := r.Inject(op, data); errors.Is(err, wsmsg.ErrEnded) {
		return fmt.Errorf("inject a message into flow %s: %w", flowID, ErrNoWebSocket)
	} else if err != nil {
		return fmt.Errorf("inject a message into flow %s (%s): %w", flowID, dir, err)
	}
	return nil
}

// WebSocketOpen reports whether the flow is a WebSocket connection of
// this proxy that is still open (one InjectMessage can send on).
func (p *Proxy) WebSocketOpen(flowID string) bool { return p.ws.get(flowID) != nil }

// wsRelays sets up rl to relay both directions of rec's WebSocket frame by
// frame when needed (see wsmsg.Relay): message rules and breakpoints of
// the Decider apply, and messages can be injected. It returns the flow's
// ID, under which the connection is listed for InjectMessage.
func (p *Proxy) wsRelays(res *http.Response, rec *record, rl *relayed, clientW io.Writer, clientR io.Reader, server io.ReadWriter) string {
	rl.up, rl.down = p.wsTaps(res, rec)
	rec.mu.Lock()
	snap := rec.f.Clone()
	rec.mu.Unlock()
	cfg := wsmsg.RelayConfig{}
	if md, ok := p.cfg.Decider.(intercept.MessageDecider); ok {
		cfg.Wants = func() bool { return md.WantsMessages(snap) }
		cfg.Decide = func(ctx context.Context, m *session.Message) wsmsg.Decision {
			return relayDecision(md.DecideMessage(ctx, snap, m))
		}
		cfg.Undecided = func(m *session.Message, why string) string { return md.SkippedMessage(snap, m, why) }
	}
	// Each direction's end tells the other that its destination's peer
	// has closed: what is held for that peer can no longer reach it.
	cfg.Count, cfg.SourceEnded = &rl.upN, func() { rl.downR.PeerClosed() }
	rl.upR = wsmsg.NewRelay(rl.up, clientR, server, cfg)
	cfg.Count, cfg.SourceEnded = &rl.downN, func() { rl.upR.PeerClosed() }
	rl.downR = wsmsg.NewRelay(rl.down, server, clientW, cfg)
	rl.ctx = p.ctx
	p.ws.add(snap.ID, rl)
	return snap.ID
}

// wsEnded unlists the closed WebSocket connection of the flow and lets
// the Decider forget what it kept for it.
func (p *Proxy) wsEnded(id string) {
	p.ws.remove(id)
	if md, ok := p.cfg.Decider.(intercept.MessageDecider); ok {
		md.MessagesEnded(id)
	}
}

// relayDecision converts an intercept decision for the relay.
func relayDecision(d intercept.MessageDecision) wsmsg.Decision {
	out := wsmsg.Decision{Drop: d.Drop, Data: d.Data, Action: d.Action, Note: d.Note}
	if d.Wait != nil {
		out.Wait = func(ctx context.Context) wsmsg.Decision { return relayDecision(d.Wait(ctx)) }
	}
	return out
}
