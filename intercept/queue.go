package intercept

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/siphonproxy/siphon/session"
	"golang.org/x/net/http/httpguts"
)

// ErrNotPaused is returned for a flow that is not (or no longer) paused.
var ErrNotPaused = errors.New("intercept: flow is not paused")

// PausedFlow is a flow held at a breakpoint, as a UI lists it.
type PausedFlow struct {
	ID    string // the flow's ID
	Phase Phase
	// Flow is a snapshot: at the request phase, the request as it would be
	// sent (after rewrites and map-remote), with its body when the proxy
	// could read it; at the response phase, with the response.
	Flow     *session.Flow
	By       string // what paused it: `rule "name"` or "the intercept filter"
	Since    time.Time
	Deadline time.Time // when the intercept timeout releases it
}

// pending is a paused flow and the rendezvous that resolves it.
type pending struct {
	PausedFlow
	base Decision      // what happens on resume
	done chan Decision // capacity 1; receives the resolution once
}

// queue is the set of paused flows.
type queue struct {
	mu   sync.Mutex
	byID map[string]*pending
	anon int // numbers flows without an ID
}

// hold queues f as paused and returns the Pause decision that waits on it.
func (e *Engine) hold(phase Phase, f *session.Flow, base Decision, by string) Decision {
	now := time.Now()
	p := &pending{
		PausedFlow: PausedFlow{ID: f.ID, Phase: phase, Flow: f, By: by, Since: now, Deadline: now.Add(e.cfg.Timeout)},
		base:       base,
		done:       make(chan Decision, 1),
	}
	e.queue.mu.Lock()
	if p.ID == "" {
		e.queue.anon++
		p.ID = "paused-" + strconv.Itoa(e.queue.anon)
		p.Flow.ID = p.ID
	}
	if old := e.queue.byID[p.ID]; old != nil {
		// A flow is paused at one phase at a time; a stale entry under
		// the same ID is released as it would have been.
		delete(e.queue.byID, p.ID)
		old.done <- old.base
	}
	e.queue.byID[p.ID] = p
	e.queue.mu.Unlock()
	e.notify()
	return Decision{Action: Pause, Wait: func(ctx context.Context) Decision { return e.wait(ctx, p) }}
}

func (e *Engine) wait(ctx context.Context, p *pending) Decision {
	timer := time.NewTimer(time.Until(p.Deadline))
	defer timer.Stop()
	select {
	case d := <-p.done:
		return d
	case <-timer.C:
		d := p.base
		d.Note = joinNote(d.Note, fmt.Sprintf("breakpoint released after the %v intercept timeout", e.cfg.Timeout))
		if e.release(p, d) {
			return d
		}
	case <-ctx.Done():
		d := Decision{Action: Drop, Err: &session.Error{Phase: session.PhaseIntercept, Msg: "released from its breakpoint: " + context.Cause(ctx).Error()}}
		if e.release(p, d) {
			return d
		}
	}
	return <-p.done // resolved by someone else meanwhile
}

// release removes p from the queue and hands it d, unless someone else
// did first; it reports whether it did.
func (e *Engine) release(p *pending, d Decision) bool {
	e.queue.mu.Lock()
	if e.queue.byID[p.ID] != p {
		e.queue.mu.Unlock()
		return false
	}
	delete(e.queue.byID, p.ID)
	e.queue.mu.Unlock()
	p.done <- d
	e.notify()
	return true
}

// resolve releases the paused flow id with the decision fn computes from
// it; an error from fn leaves the flow paused.
func (e *Engine) resolve(id, op string, fn func(p *pending) (Decision, error)) error {
	e.queue.mu.Lock()
	p := e.queue.byID[id]
	if p == nil {
		e.queue.mu.Unlock()
		return fmt.Errorf("%s flow %s: %w", op, id, ErrNotPaused)
	}
	d, err := fn(p)
	if err != nil {
		e.queue.mu.Unlock()
		return fmt.Errorf("%s flow %s: %w", op, id, err)
	}
	delete(e.queue.byID, id)
	e.queue.mu.Unlock()
	p.done <- d
	e.notify()
	return nil
}

// Paused lists the flows held at breakpoints, oldest first. The flows are
// copies.
func (e *Engine) Paused() []PausedFlow {
	e.queue.mu.Lock()
	out := make([]PausedFlow, 0, len(e.queue.byID))
	for _, p := range e.queue.byID {
		pf := p.PausedFlow
		pf.Flow = p.Flow.Clone()
		out = append(out, pf)
	}
	e.queue.mu.Unlock()
	slices.SortFunc(out, func(a, b PausedFlow) int {
		if c := a.Since.Compare(b.Since); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// Resume lets a paused flow go on as the rules decided.
func (e *Engine) Resume(id string) error {
	return e.resolve(id, "resume", func(p *pending) (Decision, error) { return p.base, nil })
}

// ResumeAll resumes every paused flow and returns how many there were.
func (e *Engine) ResumeAll() int {
	n := 0
	for _, p := range e.Paused() {
		if e.Resume(p.ID) == nil {
			n++
		}
	}
	return n
}

// Kill ends a paused flow: the client's connection is closed and the flow
// fails with an intercept error.
func (e *Engine) Kill(id string) error {
	return e.resolve(id, "kill", func(*pending) (Decision, error) {
		return Decision{Action: Drop, Err: &session.Error{Phase: session.PhaseIntercept, Msg: "killed at a breakpoint"}}, nil
	})
}

// EditRequest resumes a flow paused at the request phase with r as the
// request to send; the flow keeps the client's request as its Original.
// r's body replaces the client's unless it is Unloaded or Truncated.
func (e *Engine) EditRequest(id string, r *session.Request) error {
	if err := checkRequest(r); err != nil {
		return fmt.Errorf("edit flow %s: %w", id, err)
	}
	return e.resolve(id, "edit", func(p *pending) (Decision, error) {
		if p.Phase != RequestPhase {
			return Decision{}, errors.New("it is paused at the response; edit the response")
		}
		d := p.base
		d.Request = r.Clone()
		d.Note = joinNote(d.Note, "request edited at a breakpoint")
		return d, nil
	})
}

// EditResponse resumes a flow paused at the response phase with r as the
// response the client gets.
func (e *Engine) EditResponse(id string, r *session.Response) error {
	if err := checkResponse(r); err != nil {
		return fmt.Errorf("edit flow %s: %w", id, err)
	}
	return e.resolve(id, "edit", func(p *pending) (Decision, error) {
		if p.Phase != ResponsePhase {
			return Decision{}, errors.New("it is paused at the request; edit the request, or answer it")
		}
		d := p.base
		d.Response = r.Clone()
		d.Note = joinNote(d.Note, "response edited at a breakpoint")
		return d, nil
	})
}

// Answer resolves a paused flow with r as its response. At the request
// phase the origin is never contacted and the flow's source becomes
// session.Mock; at the response phase r replaces the origin's response.
func (e *Engine) Answer(id string, r *session.Response) error {
	if err := checkResponse(r); err != nil {
		return fmt.Errorf("answer flow %s: %w", id, err)
	}
	return e.resolve(id, "answer", func(p *pending) (Decision, error) {
		d := Decision{Action: Answer, Response: r.Clone(), Throttle: p.base.Throttle, Note: "answered at a breakpoint"}
		if p.Phase == ResponsePhase {
			d = p.base
			d.Response = r.Clone()
			d.Note = joinNote(d.Note, "answered at a breakpoint")
		}
		return d, nil
	})
}

func checkRequest(r *session.Request) error {
	if r == nil {
		return errors.New("no request")
	}
	if r.Method == "" || !httpguts.ValidHeaderFieldName(r.Method) {
		return fmt.Errorf("bad method %q", r.Method)
	}
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("bad URL %q: want an absolute http:// or https:// URL", r.URL)
	}
	return checkHeader("header", r.Header)
}

func checkResponse(r *session.Response) error {
	if r == nil {
		return errors.New("no response")
	}
	if !validStatus(r.Status) {
		return fmt.Errorf("bad status %d: want 100 to 999", r.Status)
	}
	return checkHeader("header", r.Header)
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
