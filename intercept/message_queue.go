package intercept

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/siphonproxy/siphon/session"
)

// ErrMessageNotPaused is returned by ForwardMessage and DropMessage for a
// message that is not (or no longer) held. errors.Is also matches it to
// ErrNotPaused, so a caller may handle flows and messages alike.
var ErrMessageNotPaused error = messageNotPaused{}

type messageNotPaused struct{}

func (messageNotPaused) Error() string        { return "intercept: message is not paused" }
func (messageNotPaused) Is(target error) bool { return target == ErrNotPaused }

// PausedMessage is a WebSocket message held at a breakpoint.
type PausedMessage struct {
	ID       string // the pause's id, unique within the Engine
	FlowID   string
	Dir      session.Direction // session.Up (client→server) or session.Down
	Opcode   session.Opcode    // session.OpText or session.OpBinary
	Data     []byte            // the payload as decoded (inflated); callers must not modify it
	Since    time.Time
	Deadline time.Time // when the intercept timeout forwards it unchanged
	By       string    // `rule "name"` or "the flow's message breakpoint"
}

// pendingMessage is a held message and the rendezvous that resolves it.
type pendingMessage struct {
	PausedMessage
	seq  int64
	base MessageDecision      // what forwarding it unchanged means (rule rewrites)
	done chan MessageDecision // capacity 1; receives the resolution once
}

// messageQueue holds the paused messages and the flows whose every
// message pauses.
type messageQueue struct {
	mu       sync.Mutex
	byID     map[string]*pendingMessage
	n        int64
	breaking map[string]bool // flow IDs, see BreakMessages
	// breakingN is len(breaking), read without the lock on the relay's
	// fast path.
	breakingN atomic.Int32
}

// BreakMessages turns on (or off) a breakpoint on every text and binary
// message of the flow, both directions, until it is turned off. An open
// connection starts pausing at its next message. Unlike rules'
// breakpoints it pauses while interception is off too: it is a person's
// explicit choice for one flow.
func (e *Engine) BreakMessages(flowID string, on bool) {
	q := &e.msgs
	q.mu.Lock()
	if on {
		q.breaking[flowID] = true
	} else {
		delete(q.breaking, flowID)
	}
	q.breakingN.Store(int32(len(q.breaking)))
	q.mu.Unlock()
	e.notify()
}

// MessagesEnded forgets the flow's message breakpoint: its connection has
// closed (see MessageDecider).
func (e *Engine) MessagesEnded(flowID string) {
	if e.BreakingMessages(flowID) {
		e.BreakMessages(flowID, false)
	}
}

// BreakingMessages reports whether BreakMessages is on for the flow.
func (e *Engine) BreakingMessages(flowID string) bool {
	if e.msgs.breakingN.Load() == 0 {
		return false
	}
	e.msgs.mu.Lock()
	defer e.msgs.mu.Unlock()
	return e.msgs.breaking[flowID]
}

// PausedMessages lists the messages held at breakpoints, oldest first.
func (e *Engine) PausedMessages() []PausedMessage {
	e.msgs.mu.Lock()
	list := make([]*pendingMessage, 0, len(e.msgs.byID))
	for _, p := range e.msgs.byID {
		list = append(list, p)
	}
	e.msgs.mu.Unlock()
	slices.SortFunc(list, func(a, b *pendingMessage) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]PausedMessage, len(list))
	for i, p := range list {
		out[i] = p.PausedMessage
	}
	return out
}

// ForwardMessage sends a held message on: unchanged (as the rules left it)
// when data is nil, else with data as its payload, recorded as edited. An
// edited text message must be UTF-8 (peers close the connection on
// anything else); if it is not, the message stays held.
func (e *Engine) ForwardMessage(id string, data []byte) error {
	return e.resolveMessage(id, "forward", func(p *pendingMessage) (MessageDecision, error) {
		switch {
		case data == nil:
			return p.base, nil
		case p.Opcode == session.OpText && !utf8.Valid(data):
			return MessageDecision{}, errors.New("the edited text is not valid UTF-8")
		}
		return MessageDecision{Data: append([]byte{}, data...), Action: session.ActionEdited}, nil
	})
}

// DropMessage discards a held message: the peer never gets it.
func (e *Engine) DropMessage(id string) error {
	return e.resolveMessage(id, "drop", func(*pendingMessage) (MessageDecision, error) {
		return MessageDecision{Drop: true, Action: session.ActionDropped}, nil
	})
}

// resolveMessage releases the held message id with the decision fn makes;
// an error from fn leaves it held.
func (e *Engine) resolveMessage(id, op string, fn func(p *pendingMessage) (MessageDecision, error)) error {
	e.msgs.mu.Lock()
	p := e.msgs.byID[id]
	if p == nil {
		e.msgs.mu.Unlock()
		return fmt.Errorf("%s message %s: %w", op, id, ErrMessageNotPaused)
	}
	d, err := fn(p)
	if err != nil {
		e.msgs.mu.Unlock()
		return fmt.Errorf("%s message %s: %w", op, id, err)
	}
	delete(e.msgs.byID, id)
	e.msgs.mu.Unlock()
	p.done <- d
	e.notify()
	return nil
}

// holdMessage lists m as paused and returns the decision whose Wait
// waits until it is resolved, its timeout passes, or ctx ends (the
// connection closed).
func (e *Engine) holdMessage(flowID string, m *session.Message, data []byte, base MessageDecision, by string) MessageDecision {
	now := time.Now()
	// Since is when siphon received the message, so that one queued
	// behind another held message shows the same time paused as after;
	// the timeout runs from the hold.
	since := now
	if m.Time != 0 {
		since = m.Time.Time()
	}
	q := &e.msgs
	q.mu.Lock()
	q.n++
	p := &pendingMessage{
		PausedMessage: PausedMessage{ID: "msg-" + strconv.FormatInt(q.n, 10), FlowID: flowID, Dir: m.Dir, Opcode: m.Opcode,
			Data: data, Since: since, Deadline: now.Add(e.cfg.Timeout), By: by},
		seq: q.n, base: base, done: make(chan MessageDecision, 1),
	}
	q.byID[p.ID] = p
	q.mu.Unlock()
	e.notify()
	return MessageDecision{Wait: func(ctx context.Context) MessageDecision { return e.waitMessage(ctx, p) }}
}

func (e *Engine) waitMessage(ctx context.Context, p *pendingMessage) MessageDecision {
	q, base := &e.msgs, p.base
	timer := time.NewTimer(time.Until(p.Deadline))
	defer timer.Stop()
	var d MessageDecision
	select {
	case d = <-p.done:
		return d
	case <-timer.C:
		d = base
		d.Note = joinNote(d.Note, fmt.Sprintf("forwarded unchanged after the %v intercept timeout", e.cfg.Timeout))
	case <-ctx.Done():
		d = MessageDecision{Drop: true, Action: session.ActionDropped, Note: "the connection closed while the message was held"}
	}
	q.mu.Lock()
	mine := q.byID[p.ID] == p
	delete(q.byID, p.ID)
	q.mu.Unlock()
	if !mine {
		return <-p.done // resolved by someone else meanwhile
	}
	e.notify()
	return d
}
