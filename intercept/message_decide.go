package intercept

import (
	"bytes"
	"context"
	"fmt"

	"github.com/siphonproxy/siphon/session"
)

// actsOnMessages reports whether c does anything to WebSocket messages.
func (c *compiled) actsOnMessages() bool {
	return c.msgRW != nil || c.rule.Breakpoint == BreakMessages || (c.rule.Block != nil && c.rule.Block.Messages)
}

// WantsMessages reports whether a message rule could act on f's messages
// or f's message breakpoint is on. It costs two atomic loads when neither
// exists, as the relay asks it for every chunk it copies.
func (e *Engine) WantsMessages(f *session.Flow) bool {
	if f == nil {
		return false
	}
	if e.BreakingMessages(f.ID) {
		return true
	}
	intercepting := e.intercepting.Load()
	for _, c := range e.set.Load().msgRules {
		if !c.enabled.Load() || (c.rule.Breakpoint == BreakMessages && !intercepting) {
			continue
		}
		// A body filter can only be answered with a message in view.
		if c.match.NeedsBodies() || c.match.Match(f) {
			return true
		}
	}
	return false
}

// DecideMessage applies the message rules to m: the first matching block
// drops it, every matching rewrite of its direction applies in order, and
// a matching message breakpoint (while interception is on) or the flow's
// message breakpoint holds it (the decision's Wait) until ForwardMessage
// or DropMessage, the intercept timeout (forwarded as the rules left it),
// or the end of Wait's ctx (dropped). Rules match the flow with m as its
// only message, as the peer sent it.
func (e *Engine) DecideMessage(ctx context.Context, f *session.Flow, m *session.Message) MessageDecision {
	if f == nil || m == nil || (m.Opcode != session.OpText && m.Opcode != session.OpBinary) {
		return MessageDecision{}
	}
	view := *f
	msg := *m
	view.Messages = func(yield func(session.Message) bool) { yield(msg) }
	var (
		d       MessageDecision
		pauseBy string
	)
	intercepting := e.intercepting.Load()
	for _, c := range e.set.Load().msgRules {
		if !c.enabled.Load() {
			continue
		}
		rw := c.msgRW
		if rw != nil && !(m.Dir == session.Up && rw.up || m.Dir == session.Down && rw.down) {
			continue
		}
		if c.rule.Breakpoint == BreakMessages && (!intercepting || pauseBy != "") {
			continue
		}
		if !c.match.Match(&view) {
			continue
		}
		c.hit()
		switch {
		case c.rule.Block != nil:
			return MessageDecision{Drop: true, Action: session.RuleAction("dropped", c.rule.Name)}
		case rw != nil:
			if m.Truncated {
				d.Note = joinNote(d.Note, fmt.Sprintf("rewrite %q: not applied, the message is larger than the capture limit", c.rule.Name))
				continue
			}
			before := d.Data
			if before == nil {
				before = m.Data
			}
			data := before
			for _, rp := range rw.replace {
				data = rp.re.ReplaceAll(data, rp.with)
			}
			if bytes.Equal(data, before) {
				continue // nothing replaced: the message goes on as it came
			}
			d.Data = data
			d.Action = joinNote(d.Action, session.RuleAction("rewritten", c.rule.Name))
		default:
			pauseBy = fmt.Sprintf("rule %q", c.rule.Name)
		}
	}
	if pauseBy == "" && e.BreakingMessages(f.ID) {
		pauseBy = "the flow's message breakpoint"
	}
	if pauseBy == "" || m.Truncated {
		if pauseBy != "" {
			d.Note = joinNote(d.Note, "not held at the breakpoint: the message is larger than the capture limit")
		}
		return d
	}
	data := d.Data
	if data == nil {
		data = m.Data
	}
	return e.holdMessage(f.ID, m, data, d, pauseBy)
}

// SkippedMessage says what DecideMessage would have done to m, which went
// on without a decision because of why (see MessageDecider): a matching
// block means "not dropped", else matching rewrites of m's direction "not
// rewritten" and a breakpoint that would have held it "not held". Rules
// that did not act do not count a hit.
func (e *Engine) SkippedMessage(f *session.Flow, m *session.Message, why string) string {
	if f == nil || m == nil || (m.Opcode != session.OpText && m.Opcode != session.OpBinary) {
		return ""
	}
	view := *f
	msg := *m
	view.Messages = func(yield func(session.Message) bool) { yield(msg) }
	held := e.BreakingMessages(f.ID)
	rewritten := false
	intercepting := e.intercepting.Load()
	for _, c := range e.set.Load().msgRules {
		rw := c.msgRW
		switch {
		case !c.enabled.Load(),
			rw != nil && !(m.Dir == session.Up && rw.up || m.Dir == session.Down && rw.down),
			c.rule.Breakpoint == BreakMessages && !intercepting,
			!c.match.Match(&view):
			continue
		case c.rule.Block != nil:
			return "not dropped: " + why
		case rw != nil:
			rewritten = true
		default:
			held = true
		}
	}
	switch {
	case held && rewritten:
		return "not held or rewritten: " + why
	case held:
		return "not held: " + why
	case rewritten:
		return "not rewritten: " + why
	}
	return ""
}
