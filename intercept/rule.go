package intercept

import (
	"net/http"
	"time"
)

// Rule is one rule as written in a rules file or added at run time: a
// filter expression and exactly one action. It is plain data; the Engine
// compiles it (filter, regexes, mock file) when it is loaded or added.
type Rule struct {
	Name string
	// Match is a filter expression (see package filter) the flow must
	// satisfy. At the request phase flows have no response yet, so an
	// expression that needs one (~s, ~c, ~bs) matches only at the
	// response phase.
	Match string
	// Disabled rules are kept, listed and saved, but never act.
	Disabled bool

	// Exactly one of the following is set.
	Breakpoint Breakpoint
	Mock       *Mock
	MapRemote  string // URL whose scheme, host, port and path prefix replace the request's
	Rewrite    *Rewrite
	Block      *Block
	Throttle   *Throttle

	// File and Line say where the rule was read; File is empty for rules
	// added at run time.
	File string
	Line int
}

// Breakpoint says at which phases a breakpoint rule pauses a flow.
type Breakpoint uint8

// Breakpoint phases. NoBreakpoint is the zero value: the rule is not a
// breakpoint.
const (
	NoBreakpoint Breakpoint = iota
	BreakRequest
	BreakResponse
	BreakBoth
	// BreakMessages pauses each WebSocket message of a matching flow (a
	// message at a time, its own direction only), not the flow itself.
	BreakMessages
)

var breakpointNames = [...]string{"", "request", "response", "both", "messages"}

// String returns the phase as a rules file writes it: request, response,
// both or messages ("" for NoBreakpoint).
func (b Breakpoint) String() string {
	if int(b) < len(breakpointNames) {
		return breakpointNames[b]
	}
	return "unknown"
}

// at reports whether the breakpoint pauses flows at phase p.
func (b Breakpoint) at(p Phase) bool {
	switch b {
	case BreakBoth:
		return true
	case BreakRequest:
		return p == RequestPhase
	case BreakResponse:
		return p == ResponsePhase
	}
	return false
}

// Mock answers a request without contacting its origin.
type Mock struct {
	Status int // 200 when zero
	Header http.Header
	// Body is the response body; File, when set instead, names a file
	// (relative to the rules file) whose bytes are the body.
	Body  string
	File  string
	Delay time.Duration // wait this long before answering
}

// Rewrite changes messages on their way through: the HTTP request and
// response, and the WebSocket messages of a matching flow.
type Rewrite struct {
	Request  *MessageRewrite
	Response *MessageRewrite
	Messages *WebSocketRewrite
}

// WebSocketRewrite changes the payloads of WebSocket messages (text and
// binary; close, ping and pong are never changed). The rule's match is
// asked about the flow with only that message visible to body filters
// (~b, ~bq client to server, ~bs server to client).
type WebSocketRewrite struct {
	BodyReplace []Replace
	// Direction is "up" (client to server), "down", or "both" (also when
	// empty).
	Direction string
}

// MessageRewrite is the change made to one message. Headers are set
// (replacing every value of that name) after the removals.
type MessageRewrite struct {
	SetHeaders    http.Header
	RemoveHeaders []string
	Status        int // responses only; zero keeps the status
	BodyReplace   []Replace
}

// Replace is one regular-expression replacement in a body. Replacement
// may refer to groups as $1 or ${name} (regexp.Regexp.Expand syntax).
type Replace struct {
	Regex       string
	Replacement string
}

// Block refuses a request: with a status (and a short body saying which
// rule blocked it), or by closing the client's connection. With Messages,
// it drops the matching WebSocket messages instead (the rule's match sees
// each message as WebSocketRewrite's does) and leaves requests alone.
type Block struct {
	Status   int
	Drop     bool
	Messages bool
}

// Throttle slows a flow down, to simulate a slow network.
type Throttle struct {
	// Latency is added before the response goes to the client.
	Latency time.Duration
	// Bandwidth caps the rate of request and response bodies, in bits per
	// second; zero means no cap.
	Bandwidth int64
}

// Action names the rule's action as written in a rules file ("mock",
// "block", ...), or "" when it has none.
func (r *Rule) Action() string {
	switch {
	case r.Breakpoint != NoBreakpoint:
		return "breakpoint"
	case r.Mock != nil:
		return "mock"
	case r.MapRemote != "":
		return "map-remote"
	case r.Rewrite != nil:
		return "rewrite"
	case r.Block != nil:
		return "block"
	case r.Throttle != nil:
		return "throttle"
	}
	return ""
}

// actions counts how many actions r has; a valid rule has one.
func (r *Rule) actions() int {
	n := 0
	for _, set := range []bool{r.Breakpoint != NoBreakpoint, r.Mock != nil, r.MapRemote != "", r.Rewrite != nil, r.Block != nil, r.Throttle != nil} {
		if set {
			n++
		}
	}
	return n
}

// Clone returns a deep copy of r.
func (r *Rule) Clone() *Rule {
	if r == nil {
		return nil
	}
	c := *r
	if r.Mock != nil {
		m := *r.Mock
		m.Header = r.Mock.Header.Clone()
		c.Mock = &m
	}
	if r.Rewrite != nil {
		c.Rewrite = &Rewrite{Request: r.Rewrite.Request.clone(), Response: r.Rewrite.Response.clone()}
		if m := r.Rewrite.Messages; m != nil {
			c.Rewrite.Messages = &WebSocketRewrite{BodyReplace: append([]Replace(nil), m.BodyReplace...), Direction: m.Direction}
		}
	}
	if r.Block != nil {
		b := *r.Block
		c.Block = &b
	}
	if r.Throttle != nil {
		t := *r.Throttle
		c.Throttle = &t
	}
	return &c
}

func (m *MessageRewrite) clone() *MessageRewrite {
	if m == nil {
		return nil
	}
	c := *m
	c.SetHeaders = m.SetHeaders.Clone()
	c.RemoveHeaders = append([]string(nil), m.RemoveHeaders...)
	c.BodyReplace = append([]Replace(nil), m.BodyReplace...)
	return &c
}
