// Package session provides siphon's flow model (one captured exchange with
// its request, response, error and timings) and the Store that keeps flows in
// memory for listing and persists them to a SQLite session file.
package session

import (
	"iter"
	"net/http"
	"strings"
	"time"
)

// State is where a flow is in its life.
type State uint8

// Flow states.
const (
	Pending     State = iota // request seen, no response yet
	Intercepted              // paused at a breakpoint
	Done                     // response complete (or tunnel closed)
	Failed                   // ended with an Error
)

var stateNames = [...]string{"pending", "intercepted", "done", "error"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// Source says where a flow came from.
type Source uint8

// Flow sources.
const (
	Live     Source = iota // captured from a client
	Replay                 // re-sent by siphon
	Mock                   // answered by a rule without the origin
	Imported               // read from a HAR file
)

var sourceNames = [...]string{"live", "replay", "mock", "imported"}

func (s Source) String() string {
	if int(s) < len(sourceNames) {
		return sourceNames[s]
	}
	return "unknown"
}

// Kind says what sort of exchange a flow records.
type Kind uint8

// Flow kinds.
const (
	HTTP      Kind = iota // one request and its response
	Tunnel                // opaque CONNECT tunnel (TLS passthrough)
	WebSocket             // HTTP upgrade followed by WebSocket frames
)

var kindNames = [...]string{"http", "tunnel", "websocket"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Flow is one exchange between a client and an origin, as siphon saw it.
//
// A Flow handed to or returned by a Store is a snapshot: the Store keeps its
// own copy, and callers may change theirs freely (but for the header maps
// handed to a Store opened with Options.ShareHeaders). Body bytes are
// treated as immutable and may be shared between snapshots.
type Flow struct {
	ID      string // random, stable across export and import
	Seq     int64  // 1-based order of arrival within the session
	State   State
	Source  Source
	Kind    Kind
	Client  Peer
	Server  Peer // the upstream address siphon connected to
	Request *Request
	// Response is nil until the response headers arrive, and stays nil for
	// flows that failed before.
	Response *Response
	Err      *Error
	Timings  Timings
	// Original is the request as the client sent it, set when the request
	// was edited before being forwarded.
	Original *Request
	Marked   bool
	// HeadersUnloaded is set on the store's snapshots of committed flows
	// (View.Window): their Request, Response and Original headers hold
	// only Content-Type (and gRPC's grpc-status and grpc-message), their
	// trailers only the latter (nil without), and the rest stay in the
	// file until Store.Get or
	// Store.List loads the flow. A session of 100k flows would otherwise
	// hold 100k header maps.
	HeadersUnloaded bool
	Comment         string
	Stream          *StreamStats // tunnel and WebSocket traffic, nil for plain HTTP
	// Messages, when not nil, yields the flow's WebSocket messages in
	// order, reading them from the Store as it goes. A Store sets it only
	// on its own copy of a flow it hands to a matcher that needs bodies
	// (BodyMatcher), for the time of that Match: ~b matches message
	// payloads. Elsewhere it is nil; read messages with Store.Messages.
	Messages iter.Seq[Message] `json:"-"`
	// Listener names the siphon listener the client came in on, as
	// MODE@PORT ("regular@8080", "socks5@1080"); empty for flows not
	// captured live, or recorded before siphon had several listeners.
	Listener string
}

// Peer describes one end of a connection.
type Peer struct {
	Addr       string // host:port
	SNI        string
	TLSVersion string // "TLS 1.3", empty for plain connections
	ALPN       string
}

// Request is a snapshot of an HTTP request.
type Request struct {
	Method string
	URL    string // absolute URL
	Proto  string // "HTTP/1.1"
	Header http.Header
	Body   Body
	// Trailer holds the trailer fields sent after the body (HTTP/2, or
	// HTTP/1.1 chunked); nil when there were none.
	Trailer http.Header
}

// Response is a snapshot of an HTTP response.
type Response struct {
	Status int
	Reason string // text after the status code, e.g. "OK"
	Proto  string
	Header http.Header
	Body   Body
	// Trailer holds the trailer fields sent after the body: gRPC's
	// grpc-status and grpc-message live there. Nil when there were none.
	Trailer http.Header
}

// Body is a captured message body in its wire form (still compressed if the
// message was). Data holds at most the capture limit; Size is the full length
// seen on the wire.
type Body struct {
	Data      []byte
	Size      int64
	Truncated bool // Data is cut short of Size at the capture limit
	// Unloaded is set on flows returned by Store.List: the bytes stay on disk
	// until Store.Get loads the flow.
	Unloaded bool
}

// StreamStats counts the traffic of a tunnel or WebSocket, each direction.
type StreamStats struct {
	BytesUp, BytesDown   int64 // client→server, server→client
	FramesUp, FramesDown int64 // WebSocket frames; zero for tunnels
	PingsUp, PingsDown   int64 // WebSocket ping frames (counted, not stored as messages)
	PongsUp, PongsDown   int64 // WebSocket pong frames
	Closed               time.Time
}

// Error phases: where in a flow's life a failure happened.
const (
	PhaseClientTLS   = "client-tls"
	PhaseDial        = "dial"
	PhaseUpstreamTLS = "upstream-tls"
	PhaseUpstream    = "upstream"
	PhaseClient      = "client"
	PhaseIntercept   = "intercept"
	// PhaseInterrupted marks a flow that was still pending or paused when
	// the siphon recording it stopped (killed, crashed, power lost): the
	// next siphon to open the session for writing fails it with this phase.
	PhaseInterrupted = "interrupted"
)

// Error is a failure of transport, TLS, protocol or interception; it is not
// an HTTP error status.
type Error struct {
	Phase string
	Msg   string
	Hint  string // what the user can do about it
}

func (e *Error) Error() string { return e.Phase + ": " + e.Msg }

// Timings are the moments of a flow's life. Zero values mean "did not
// happen" (a reused connection has no DNS, connect or TLS times).
type Timings struct {
	ClientConnect   Stamp // the client's TCP connection was accepted
	ClientTLSStart  Stamp
	ClientTLSDone   Stamp
	RequestReceived Stamp // request headers read from the client
	DNSStart        Stamp
	DNSDone         Stamp
	ConnectStart    Stamp
	ConnectDone     Stamp
	TLSStart        Stamp
	TLSDone         Stamp
	RequestSent     Stamp
	FirstByte       Stamp // first response byte from upstream
	Complete        Stamp // response body fully relayed, or failure
}

// Start is when the flow began: request received, or connection accepted.
func (f *Flow) Start() Stamp {
	if !f.Timings.RequestReceived.IsZero() {
		return f.Timings.RequestReceived
	}
	return f.Timings.ClientConnect
}

// Duration is the time from request received to completion; zero while
// the flow is pending.
func (f *Flow) Duration() time.Duration {
	return Span(f.Start(), f.Timings.Complete)
}

// Host is the request's host (without port), or "" without a request.
func (f *Flow) Host() string {
	if f.Request == nil {
		return ""
	}
	return hostOf(f.Request.URL)
}

// Size is the response body's wire size, or 0 without a response; for a
// stream it is the bytes relayed in both directions.
func (f *Flow) Size() int64 {
	if f.Stream != nil {
		return f.Stream.BytesUp + f.Stream.BytesDown
	}
	if f.Response == nil {
		return 0
	}
	return f.Response.Body.Size
}

// ContentType is the media type of the response (parameters dropped), or
// of the request when there is no response.
func (f *Flow) ContentType() string {
	var h http.Header
	switch {
	case f.Response != nil:
		h = f.Response.Header
	case f.Request != nil:
		h = f.Request.Header
	}
	ct := h.Get("Content-Type")
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

// kept returns the copy of f a Store opened with Options.ShareHeaders
// keeps on Add and Update: the Flow, its messages (whose bodies the Store
// takes out), its error and its stream counts (which a proxy goes on
// counting in its own) are copied; the header and trailer maps are shared.
func kept(f *Flow) *Flow {
	c := copyMessages(f)
	if f.Err != nil {
		e := *f.Err
		c.Err = &e
	}
	if f.Stream != nil {
		s := *f.Stream
		c.Stream = &s
	}
	return c
}

// Clone returns a copy of f that shares no mutable state with it: headers
// are copied, body bytes are shared (they are never modified in place).
func (f *Flow) Clone() *Flow {
	if f == nil {
		return nil
	}
	c := *f
	c.Request = f.Request.Clone()
	c.Original = f.Original.Clone()
	c.Response = f.Response.Clone()
	if f.Err != nil {
		e := *f.Err
		c.Err = &e
	}
	if f.Stream != nil {
		s := *f.Stream
		c.Stream = &s
	}
	return &c
}

// Clone returns a copy of r with its own header map.
func (r *Request) Clone() *Request {
	if r == nil {
		return nil
	}
	c := *r
	c.Header = r.Header.Clone()
	c.Trailer = r.Trailer.Clone()
	return &c
}

// Clone returns a copy of r with its own header map.
func (r *Response) Clone() *Response {
	if r == nil {
		return nil
	}
	c := *r
	c.Header = r.Header.Clone()
	c.Trailer = r.Trailer.Clone()
	return &c
}
