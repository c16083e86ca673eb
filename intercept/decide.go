package intercept

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/siphonproxy/siphon/session"
)

// Decide applies the rules to f at phase. At the request phase the first
// matching mock, map-remote or block decides where the request goes, every
// matching request rewrite applies in order, and the first matching
// throttle shapes the flow; at the response phase every matching response
// rewrite applies in order. A matching breakpoint (or the intercept
// filter), while interception is on, turns the decision into a Pause
// whose Wait returns it once the flow is resumed. Rules match the flow as
// the client sent it. Decide does not block.
func (e *Engine) Decide(ctx context.Context, phase Phase, f *session.Flow) Decision {
	if f == nil || f.Request == nil {
		return Decision{}
	}
	set := e.set.Load()
	if phase == ResponsePhase {
		if f.Response == nil {
			return Decision{}
		}
		return e.decideResponse(set, f)
	}
	return e.decideRequest(set, f)
}

func (e *Engine) decideRequest(set *ruleSet, f *session.Flow) Decision {
	var (
		d        Decision
		out      *session.Request // the request as rewritten, cloned on first change
		terminal *compiled
		pauseBy  string
		notes    []string
	)
	intercepting := e.intercepting.Load()
	for _, c := range set.rules {
		if !c.enabled.Load() || !c.actsAt(RequestPhase) || !c.match.Match(f) {
			continue
		}
		switch {
		case c.reqRW != nil:
			if out == nil {
				out = f.Request.Clone()
			}
			if skipped := c.reqRW.applyRequest(out); skipped != "" {
				notes = append(notes, fmt.Sprintf("rewrite %q: %s", c.rule.Name, skipped))
			}
			notes = append(notes, fmt.Sprintf("rewritten by rule %q", c.rule.Name))
		case c.mock != nil || c.remote != nil || c.rule.Block != nil:
			if terminal != nil {
				continue
			}
			terminal = c
		case c.rule.Throttle != nil:
			if d.Throttle != nil {
				continue
			}
			t := *c.rule.Throttle
			d.Throttle = &t
		case c.rule.Breakpoint.at(RequestPhase):
			if !intercepting || pauseBy != "" {
				continue
			}
			pauseBy = fmt.Sprintf("rule %q", c.rule.Name)
		}
		c.hit()
	}
	switch {
	case terminal == nil && e.cfg.MockOnly:
		d.Response, d.Err = refusal(set, f)
		d.Action = Answer
	case terminal == nil:
	case terminal.mock != nil:
		d.Action, d.Response, d.Delay = Answer, terminal.mock.response(), terminal.rule.Mock.Delay
		notes = append(notes, fmt.Sprintf("mocked by rule %q", terminal.rule.Name))
	case terminal.remote != nil:
		if out == nil {
			out = f.Request.Clone()
		}
		out.URL = remap(out.URL, terminal.remote)
		notes = append(notes, fmt.Sprintf("mapped to %s by rule %q", terminal.rule.MapRemote, terminal.rule.Name))
	case terminal.rule.Block.Drop:
		d.Action = Drop
		d.Err = &session.Error{Phase: session.PhaseIntercept, Msg: fmt.Sprintf("dropped by rule %q", terminal.rule.Name)}
	default:
		d.Action = Answer
		d.Response = textResponse(terminal.rule.Block.Status, fmt.Sprintf("siphon: blocked by rule %q\n", terminal.rule.Name))
		notes = append(notes, fmt.Sprintf("blocked by rule %q", terminal.rule.Name))
	}
	d.Request = out
	d.Note = strings.Join(notes, "; ")
	if pauseBy == "" && intercepting {
		if b := e.breakOn.Load(); b != nil && b.phase == RequestPhase && b.f.Match(f) {
			pauseBy = "the intercept filter"
		}
	}
	if pauseBy == "" {
		return d
	}
	held := f.Clone()
	if out != nil {
		held.Request = out.Clone()
	}
	return e.hold(RequestPhase, held, d, pauseBy)
}

func (e *Engine) decideResponse(set *ruleSet, f *session.Flow) Decision {
	var (
		d       Decision
		out     *session.Response
		pauseBy string
		notes   []string
	)
	intercepting := e.intercepting.Load()
	for _, c := range set.rules {
		if !c.enabled.Load() || !c.actsAt(ResponsePhase) || !c.match.Match(f) {
			continue
		}
		switch {
		case c.resRW != nil:
			if out == nil {
				out = f.Response.Clone()
			}
			if skipped := c.resRW.applyResponse(out); skipped != "" {
				notes = append(notes, fmt.Sprintf("rewrite %q: %s", c.rule.Name, skipped))
			}
			notes = append(notes, fmt.Sprintf("response rewritten by rule %q", c.rule.Name))
		case c.rule.Breakpoint.at(ResponsePhase):
			if !intercepting || pauseBy != "" {
				continue
			}
			pauseBy = fmt.Sprintf("rule %q", c.rule.Name)
		}
		c.hit()
	}
	d.Response = out
	d.Note = strings.Join(notes, "; ")
	if pauseBy == "" && intercepting {
		if b := e.breakOn.Load(); b != nil && b.phase == ResponsePhase && b.f.Match(f) {
			pauseBy = "the intercept filter"
		}
	}
	if pauseBy == "" {
		return d
	}
	held := f.Clone()
	if out != nil {
		held.Response = out.Clone()
	}
	return e.hold(ResponsePhase, held, d, pauseBy)
}

// WantsBody reports whether deciding f at phase needs the message's body:
// a matching rule rewrites the body or pauses the flow (so a person can see
// and edit it), or a rule's expression looks into bodies.
func (e *Engine) WantsBody(phase Phase, f *session.Flow) bool {
	if f == nil || f.Request == nil {
		return false
	}
	intercepting := e.intercepting.Load()
	for _, c := range e.set.Load().rules {
		if !c.enabled.Load() || !c.actsAt(phase) {
			continue
		}
		if c.match.NeedsBodies() {
			return true
		}
		rw := c.reqRW
		if phase == ResponsePhase {
			rw = c.resRW
		}
		usesBody := (rw != nil && len(rw.replace) > 0) || (intercepting && c.rule.Breakpoint.at(phase))
		if usesBody && c.match.Match(f) {
			return true
		}
	}
	if b := e.breakOn.Load(); intercepting && b != nil && b.phase == phase {
		return b.f.NeedsBodies() || b.f.Match(f)
	}
	return false
}

// actsAt reports whether c has anything to do at phase.
func (c *compiled) actsAt(p Phase) bool {
	if c.rule.Breakpoint.at(p) {
		return true
	}
	if p == ResponsePhase {
		return c.resRW != nil
	}
	return c.reqRW != nil || c.mock != nil || c.remote != nil || (c.rule.Block != nil && !c.rule.Block.Messages) || c.rule.Throttle != nil
}

// response builds the mock's answer; the body bytes are shared, never
// modified.
func (m *compiledMock) response() *session.Response {
	return &session.Response{
		Status: m.status,
		Reason: http.StatusText(m.status),
		Proto:  "HTTP/1.1",
		Header: m.header.Clone(),
		Body:   session.Body{Data: m.body, Size: int64(len(m.body))},
	}
}

func textResponse(status int, body string) *session.Response {
	h := http.Header{}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	return &session.Response{
		Status: status,
		Reason: http.StatusText(status),
		Proto:  "HTTP/1.1",
		Header: h,
		Body:   session.Body{Data: []byte(body), Size: int64(len(body))},
	}
}
