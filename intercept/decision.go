package intercept

import (
	"context"
	"time"

	"github.com/siphonproxy/siphon/session"
)

// Phase is the point in a flow's life at which a decision is made.
type Phase uint8

// Phases. The proxy asks at RequestPhase once the request headers are in
// (before anything is sent upstream) and at ResponsePhase once the
// response headers are in (before anything is sent to the client).
const (
	RequestPhase Phase = iota
	ResponsePhase
)

// String returns "request" or "response".
func (p Phase) String() string {
	if p == ResponsePhase {
		return "response"
	}
	return "request"
}

// Action is what happens to a flow.
type Action uint8

// Actions.
const (
	// Pass lets the flow go on, with the changes the Decision carries.
	Pass Action = iota
	// Answer sends Decision.Response to the client. At the request phase
	// the origin is never contacted.
	Answer
	// Drop closes the client's connection without an answer.
	Drop
	// Pause holds the flow at a breakpoint: the caller calls Wait, which
	// blocks until the flow is resolved, and acts on what it returns.
	Pause
)

var actionNames = [...]string{"pass", "answer", "drop", "pause"}

// String returns the action's name: pass, answer, drop or pause.
func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return "unknown"
}

// Decision is what a Decider wants done with a flow at one phase. The zero
// value passes the flow on unchanged.
type Decision struct {
	Action Action
	// Request, at the request phase, replaces the request sent upstream
	// (an edit, a rewrite, a map-remote); nil keeps the client's. Its body
	// replaces the client's unless the Body is Unloaded or Truncated, in
	// which case the client's body is streamed on as it is.
	Request *session.Request
	// Response is the answer with Answer; with Pass at the response phase
	// it replaces the origin's response (nil keeps it). The same body rule
	// as for Request applies.
	Response *session.Response
	// Source marks a flow answered at the request phase; zero (Live)
	// means session.Mock.
	Source session.Source
	// Delay is waited before an Answer is sent.
	Delay time.Duration
	// Throttle, when set, slows the flow's bodies and delays its response.
	Throttle *Throttle
	// Err, when set, is recorded on the flow: why it was blocked, dropped
	// or killed. The flow then ends as failed even if it is answered.
	Err *session.Error
	// Note is appended to the flow's comment ("released after the
	// intercept timeout").
	Note string
	// Wait is set with Pause. It blocks until the flow is resumed, edited,
	// answered or killed, its timeout passes, or ctx is done, and returns
	// the decision to act on, which is never a Pause. The caller cancels
	// ctx when the client hangs up or the proxy shuts down; Wait then
	// returns a Drop.
	Wait func(ctx context.Context) Decision
}

// Decider decides what happens to HTTP flows. The proxy calls Decide on
// the client connection's goroutine, once per phase of each flow, with a
// snapshot it may not keep beyond the call (clone what must be kept); it
// blocks only that connection, and must not block on anything but ctx,
// which ends when the proxy shuts down. A Decision's Request and Response
// must not share header maps with f. Implementations are safe for
// concurrent use; Engine is one.
type Decider interface {
	Decide(ctx context.Context, phase Phase, f *session.Flow) Decision
}

// DeciderFunc adapts a function to a Decider.
type DeciderFunc func(ctx context.Context, phase Phase, f *session.Flow) Decision

// Decide calls d(ctx, phase, f).
func (d DeciderFunc) Decide(ctx context.Context, phase Phase, f *session.Flow) Decision {
	return d(ctx, phase, f)
}

// BodyWanter is implemented by Deciders that need a message's body to
// decide (a body filter, a body rewrite, a breakpoint that lets a person
// edit it). Before Decide, the proxy asks WantsBody with a snapshot whose
// body is Unloaded; if it says yes, the proxy reads the body (up to its
// capture limit, marking it Truncated beyond) and passes it to Decide.
// Deciders that do not implement it get bodies Unloaded.
type BodyWanter interface {
	WantsBody(phase Phase, f *session.Flow) bool
}

// Idler is implemented by Deciders that can tell cheaply that they would
// pass every flow as it is (no rule enabled, nothing to pause). The proxy
// then does not ask them: a snapshot for Decide costs a copy of the flow,
// which an idle engine in front of every flow makes a real cost.
type Idler interface {
	Idle() bool
}

// IsIdle reports whether d is an Idler that is idle now.
func IsIdle(d Decider) bool {
	i, ok := d.(Idler)
	return ok && i.Idle()
}

// Chain combines deciders: each is asked in turn, and the first decision
// that is not a plain pass (a Pass that changes nothing) wins; the
// deciders after it are not asked. A server-replay responder chained
// before an Engine answers the requests it knows and leaves the rest to
// the rules.
func Chain(ds ...Decider) Decider { return chain(ds) }

type chain []Decider

func (c chain) Decide(ctx context.Context, phase Phase, f *session.Flow) Decision {
	for _, d := range c {
		if dec := d.Decide(ctx, phase, f); !dec.plain() {
			return dec
		}
	}
	return Decision{}
}

// Idle reports whether every decider in the chain is idle.
func (c chain) Idle() bool {
	for _, d := range c {
		if !IsIdle(d) {
			return false
		}
	}
	return true
}

func (c chain) WantsBody(phase Phase, f *session.Flow) bool {
	for _, d := range c {
		if w, ok := d.(BodyWanter); ok && w.WantsBody(phase, f) {
			return true
		}
	}
	return false
}

func (d *Decision) plain() bool {
	return d.Action == Pass && d.Request == nil && d.Response == nil && d.Throttle == nil && d.Err == nil && d.Note == ""
}

var (
	_ Decider    = chain(nil)
	_ BodyWanter = chain(nil)
)
