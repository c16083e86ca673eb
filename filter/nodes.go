package filter

import (
	"strings"

	"github.com/siphonproxy/siphon/grpcmsg"
	"github.com/siphonproxy/siphon/session"
)

// node is a parsed expression. Nodes are immutable once built, so matching
// is safe for concurrent use.
type node interface {
	match(f *session.Flow) bool
}

// andNode matches when all of its operands match.
type andNode []node

func (n andNode) match(f *session.Flow) bool {
	for _, c := range n {
		if !c.match(f) {
			return false
		}
	}
	return true
}

// orNode matches when any of its operands matches.
type orNode []node

func (n orNode) match(f *session.Flow) bool {
	for _, c := range n {
		if c.match(f) {
			return true
		}
	}
	return false
}

// notNode matches when its operand does not.
type notNode struct{ n node }

func (n notNode) match(f *session.Flow) bool { return !n.n.match(f) }

// allOf returns the conjunction of list, flattening nested conjunctions.
func allOf(list []node) node {
	if len(list) == 1 {
		return list[0]
	}
	var out andNode
	for _, n := range list {
		if a, ok := n.(andNode); ok {
			out = append(out, a...)
		} else {
			out = append(out, n)
		}
	}
	return out
}

// anyOf returns the disjunction of list, flattening nested disjunctions.
func anyOf(list []node) node {
	if len(list) == 1 {
		return list[0]
	}
	var out orNode
	for _, n := range list {
		if o, ok := n.(orNode); ok {
			out = append(out, o...)
		} else {
			out = append(out, n)
		}
	}
	return out
}

// flagNode is an operator without an argument.
type flagNode struct{ def *opDef }

func (n flagNode) match(f *session.Flow) bool { return n.def.flag(f) }

// textNode is an operator with a regex, or a bare word.
type textNode struct {
	def   *opDef
	text  *text
	types *grpcmsg.Types // for def.grpc; nil without --proto
}

func (n *textNode) match(f *session.Flow) bool {
	return n.def.text(n.text, f) || n.def.grpc != nil && n.def.grpc(n.text, f, n.types)
}

// cmpNode is a numeric comparison.
type cmpNode struct {
	def *opDef
	cmp comparison
}

func (n *cmpNode) match(f *session.Flow) bool {
	v, ok := n.def.value(f)
	return ok && n.cmp.holds(v)
}

// Operators without an argument.

func matchAll(*session.Flow) bool          { return true }
func matchError(f *session.Flow) bool      { return f.Err != nil }
func matchWebSocket(f *session.Flow) bool  { return f.Kind == session.WebSocket }
func matchResponse(f *session.Flow) bool   { return f.Response != nil }
func matchMarked(f *session.Flow) bool     { return f.Marked }
func matchReplay(f *session.Flow) bool     { return f.Source == session.Replay }
func matchHTTP(f *session.Flow) bool       { return f.Kind == session.HTTP || f.Kind == session.WebSocket }
func matchNoResponse(f *session.Flow) bool { return matchHTTP(f) && f.Response == nil }

// matchHTTP2 reports whether either side of the exchange spoke HTTP/2: the
// request's Proto is the client's protocol, the response's the origin's.
func matchHTTP2(f *session.Flow) bool {
	return f.Request != nil && strings.HasPrefix(f.Request.Proto, "HTTP/2") ||
		f.Response != nil && strings.HasPrefix(f.Response.Proto, "HTTP/2")
}

// matchAsset reports whether the response is JavaScript, CSS, an image or a
// font, by mitmproxy's list of content types.
func matchAsset(f *session.Flow) bool {
	if f.Response == nil {
		return false
	}
	// Indexing with the canonical key is what Header.Values does, without
	// checking the key's spelling on every call.
	for _, ct := range f.Response.Header["Content-Type"] {
		if isAsset(ct) {
			return true
		}
	}
	return false
}

func isAsset(ct string) bool {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.TrimSpace(ct)
	var want string
	switch len(ct) {
	case len("text/css"):
		want = "text/css"
	case len("text/javascript"):
		want = "text/javascript"
	case len("application/javascript"):
		want = "application/javascript"
	case len("application/x-javascript"):
		want = "application/x-javascript"
	}
	return want != "" && strings.EqualFold(ct, want) ||
		hasPrefixFold(ct, "image/") || hasPrefixFold(ct, "font/") || hasPrefixFold(ct, "application/font")
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
