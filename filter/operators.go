package filter

import (
	"github.com/siphonproxy/siphon/grpcmsg"
	"github.com/siphonproxy/siphon/session"
)

// ArgKind says what, if anything, follows an operator.
type ArgKind uint8

// Argument kinds.
const (
	ArgNone     ArgKind = iota // the operator stands alone: ~e
	ArgRegex                   // a regular expression: ~d example\.com
	ArgStatus                  // an HTTP status, optionally compared: ~c >=500
	ArgDuration                // a duration, optionally compared: ~dur >500ms
	ArgSize                    // a byte count, optionally compared: ~size >1MB
)

var argNames = [...]string{"", "regex", "[cmp]code", "[cmp]duration", "[cmp]size"}

// String returns the placeholder that help text shows for the argument:
// "regex", "[cmp]duration", or "" for ArgNone.
func (k ArgKind) String() string {
	if int(k) < len(argNames) {
		return argNames[k]
	}
	return "?"
}

// numeric reports whether the argument is a comparison with a number.
func (k ArgKind) numeric() bool {
	return k == ArgStatus || k == ArgDuration || k == ArgSize
}

// Operator describes one "~" operator of the filter language.
type Operator struct {
	Name string  // with its tilde: "~d"
	Arg  ArgKind // what follows it
	Help string  // one line, for a help screen
	Body bool    // it reads message bodies
}

// Usage returns the operator with its argument placeholder, e.g. "~d regex".
func (o Operator) Usage() string {
	if o.Arg == ArgNone {
		return o.Name
	}
	return o.Name + " " + o.Arg.String()
}

// opDef is an Operator with what the parser needs to build it: exactly one
// of flag, text and value is set, according to Arg.
type opDef struct {
	Operator
	flags string                              // regex flags, for ArgRegex
	flag  func(f *session.Flow) bool          // ArgNone
	text  func(t *text, f *session.Flow) bool // ArgRegex
	value func(f *session.Flow) (int64, bool) // numeric kinds; false: no value
	// headers: it reads headers beyond Content-Type, which a Store keeps
	// only in its file for committed flows.
	headers bool
	// grpc, if set, also matches the decoded messages of gRPC calls (body
	// operators); types come from ParseWith's Options.
	grpc func(t *text, f *session.Flow, types *grpcmsg.Types) bool
}

// operators is the one table that drives both parsing and help. It is never
// modified.
var operators = [...]opDef{
	{Operator: Operator{"~all", ArgNone, "All flows", false}, flag: matchAll},
	{Operator: Operator{"~a", ArgNone, "Asset in response: JavaScript, CSS, image or font", false}, flag: matchAsset},
	{Operator: Operator{"~e", ArgNone, "Flow failed with an error (transport, TLS, protocol, intercept)", false}, flag: matchError},
	{Operator: Operator{"~http", ArgNone, "HTTP flow, including WebSocket upgrades", false}, flag: matchHTTP},
	{Operator: Operator{"~websocket", ArgNone, "WebSocket flow", false}, flag: matchWebSocket},
	{Operator: Operator{"~http2", ArgNone, "HTTP/2 on the client's side or the server's", false}, flag: matchHTTP2},
	{Operator: Operator{"~grpc", ArgNone, "gRPC or gRPC-Web call", false}, flag: matchGRPC},
	{Operator: Operator{"~q", ArgNone, "Request without a response (yet)", false}, flag: matchNoResponse},
	{Operator: Operator{"~s", ArgNone, "Flow with a response", false}, flag: matchResponse},
	{Operator: Operator{"~marked", ArgNone, "Marked flow", false}, flag: matchMarked},
	{Operator: Operator{"~replay", ArgNone, "Flow re-sent by siphon", false}, flag: matchReplay},

	{Operator: Operator{"~u", ArgRegex, "URL (a bare regex means the same)", false}, flags: "i", text: matchURL},
	{Operator: Operator{"~d", ArgRegex, "Domain: the request's host", false}, flags: "i", text: matchDomain},
	{Operator: Operator{"~m", ArgRegex, "Request method", false}, flags: "i", text: matchMethod},
	{Operator: Operator{"~h", ArgRegex, `Request or response header or trailer, as "Name: value"`, false}, flags: "i", text: matchHeader, headers: true},
	{Operator: Operator{"~hq", ArgRegex, `Request header or trailer, as "Name: value"`, false}, flags: "i", text: matchRequestHeader, headers: true},
	{Operator: Operator{"~hs", ArgRegex, `Response header or trailer, as "Name: value"`, false}, flags: "i", text: matchResponseHeader, headers: true},
	{Operator: Operator{"~t", ArgRegex, "Content-Type of request or response", false}, flags: "i", text: matchType},
	{Operator: Operator{"~tq", ArgRegex, "Request Content-Type", false}, flags: "i", text: matchRequestType},
	{Operator: Operator{"~ts", ArgRegex, "Response Content-Type", false}, flags: "i", text: matchResponseType},
	{Operator: Operator{"~b", ArgRegex, "Request or response body (decoded; gRPC and WebSocket: the messages)", true}, flags: "is", text: matchBody, grpc: matchGRPCBody},
	{Operator: Operator{"~bq", ArgRegex, "Request body (decoded; gRPC: the messages; WebSocket: client messages)", true}, flags: "is", text: matchRequestBody, grpc: matchGRPCRequest},
	{Operator: Operator{"~bs", ArgRegex, "Response body (decoded; gRPC: the messages; WebSocket: server messages)", true}, flags: "is", text: matchResponseBody, grpc: matchGRPCResponse},
	{Operator: Operator{"~src", ArgRegex, "Client address, host:port", false}, flags: "i", text: matchSource},
	{Operator: Operator{"~dst", ArgRegex, "Server address, host:port", false}, flags: "i", text: matchDestination},
	{Operator: Operator{"~listener", ArgRegex, `Listener the flow came in on, as "MODE@PORT" (regular@8080, socks5@1080, reverse:URL@8081)`, false}, flags: "i", text: matchListener},
	{Operator: Operator{"~comment", ArgRegex, "Flow comment", false}, flags: "im", text: matchComment},

	{Operator: Operator{"~c", ArgStatus, "Response status: ~c 404, ~c >=500", false}, value: flowStatus},
	{Operator: Operator{"~dur", ArgDuration, "Duration: ~dur >500ms (ns us ms s m h; bare number: ms)", false}, value: flowDuration},
	{Operator: Operator{"~size", ArgSize, "Response or stream size: ~size >1MB (B KB MB GB = 1000^n, K M G or KiB MiB GiB = 1024^n)", false}, value: flowSize},
}

// lookup returns the operator named name (with its tilde), or nil.
func lookup(name string) *opDef {
	for i := range operators {
		if operators[i].Name == name {
			return &operators[i]
		}
	}
	return nil
}

// Operators returns every "~" operator in the order a help screen should
// list them. The slice is the caller's to keep or modify.
func Operators() []Operator {
	out := make([]Operator, len(operators))
	for i := range operators {
		out[i] = operators[i].Operator
	}
	return out
}

// HelpEntry is one line of a help screen: how to write something and what
// it does.
type HelpEntry struct {
	Usage string // "~d regex", "a & b"
	Help  string
}

// Help returns the help for the whole language: every operator, then the
// bare word and the combinators.
func Help() []HelpEntry {
	out := make([]HelpEntry, 0, len(operators)+6)
	for i := range operators {
		out = append(out, HelpEntry{operators[i].Usage(), operators[i].Help})
	}
	return append(out,
		HelpEntry{"regex", "Bare word or quoted string: same as ~u regex"},
		HelpEntry{"!a", "Not a"},
		HelpEntry{"a & b", "Both a and b"},
		HelpEntry{"a | b", "Either a or b (& binds tighter)"},
		HelpEntry{"a b", "Both a and b, binding loosest: a b | c is a & (b | c)"},
		HelpEntry{"( a )", "Grouping"},
	)
}
