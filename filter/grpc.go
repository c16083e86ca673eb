package filter

import (
	"github.com/siphonproxy/siphon/grpcmsg"
	"github.com/siphonproxy/siphon/session"
)

// Options change how ParseWith reads flows. The zero value is what Parse
// uses.
type Options struct {
	// Types are the message types of gRPC services (siphon --proto): with
	// them ~b, ~bq and ~bs also match the JSON of the messages of the
	// methods they know, field names included. Nil: the messages are
	// matched as schemaless text only.
	Types *grpcmsg.Types
}

// ParseWith compiles expr as Parse does, with options.
func ParseWith(expr string, o Options) (*Filter, error) {
	return parse(expr, o)
}

// matchGRPC reports whether f is a gRPC or gRPC-Web call, by Content-Type.
func matchGRPC(f *session.Flow) bool { return grpcmsg.IsGRPC(f) }

// The gRPC side of ~b, ~bq and ~bs: a gRPC body is length-prefixed,
// possibly compressed or base64 protobuf, so its raw bytes say little. Its
// messages are matched one at a time as grpcmsg.Text renders them (field
// numbers, strings, nested messages), and as JSON when types know the
// method.

func matchGRPCBody(t *text, f *session.Flow, types *grpcmsg.Types) bool {
	return matchGRPCRequest(t, f, types) || matchGRPCResponse(t, f, types)
}

func matchGRPCRequest(t *text, f *session.Flow, types *grpcmsg.Types) bool {
	return grpcmsg.IsGRPC(f) && matchMessages(t, f, grpcmsg.SplitRequest(f), types, false)
}

func matchGRPCResponse(t *text, f *session.Flow, types *grpcmsg.Types) bool {
	return grpcmsg.IsGRPC(f) && matchMessages(t, f, grpcmsg.SplitResponse(f), types, true)
}

func matchMessages(t *text, f *session.Flow, b *grpcmsg.Body, types *grpcmsg.Types, response bool) bool {
	if b == nil {
		return false
	}
	service, method, _ := grpcmsg.FlowMethod(f)
	found := false
	b.EachText(types, types.MessageType(service, method, response), func(text []byte) bool {
		found = t.matchBytes(text)
		return !found
	})
	return found
}
