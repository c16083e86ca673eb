package filter

import (
	"fmt"
	"strings"

	"github.com/siphonproxy/siphon/session"
)

// MaxLen is the longest expression Parse accepts, in bytes.
const MaxLen = 64 << 10

// maxDepth bounds how deeply parentheses may nest, so that parsing (which
// recurses on them) stays bounded on any input.
const maxDepth = 100

// Filter is a parsed filter expression. It is immutable and safe for
// concurrent use by multiple goroutines.
type Filter struct {
	src     string
	root    node // nil for a blank expression, which matches everything
	bodies  bool
	headers bool
}

var (
	_ session.Matcher       = (*Filter)(nil)
	_ session.BodyMatcher   = (*Filter)(nil)
	_ session.HeaderMatcher = (*Filter)(nil)
	_ session.IDMatcher     = (*Filter)(nil)
)

// Parse compiles expr. A blank expression is valid and matches every flow.
// A malformed one gives a *SyntaxError that says where the problem is.
func Parse(expr string) (*Filter, error) {
	return parse(expr, Options{})
}

func parse(expr string, o Options) (*Filter, error) {
	if len(expr) > MaxLen {
		return nil, &SyntaxError{Offset: MaxLen, Msg: fmt.Sprintf("expression longer than %d bytes", MaxLen)}
	}
	f := &Filter{src: expr}
	if strings.TrimSpace(expr) == "" {
		return f, nil
	}
	p := parser{lx: lexer{src: expr}, opts: o}
	root, err := p.parse()
	if err != nil {
		return nil, err
	}
	f.root, f.bodies, f.headers = root, p.bodies, p.headers
	return f, nil
}

// Match reports whether fl satisfies the expression. A nil or blank Filter
// matches every flow; a nil flow matches only those.
func (f *Filter) Match(fl *session.Flow) bool {
	if f == nil || f.root == nil {
		return true
	}
	if fl == nil {
		return false
	}
	return f.root.match(fl)
}

// NeedsBodies reports whether the expression reads message bodies (~b, ~bq
// or ~bs), so that a Store must load them before calling Match.
func (f *Filter) NeedsBodies() bool {
	return f != nil && f.bodies
}

// NeedsHeaders reports whether the expression reads headers other than
// Content-Type (~h, ~hq or ~hs), so that a Store must load them before
// calling Match.
func (f *Filter) NeedsHeaders() bool {
	return f != nil && f.headers
}

// NeedsID reports false: no operator reads a flow's ID, so a Store need
// not build the IDs of the flows it matches (session.IDMatcher).
func (f *Filter) NeedsID() bool { return false }

// String returns the expression as it was given to Parse.
func (f *Filter) String() string {
	if f == nil {
		return ""
	}
	return f.src
}

// SyntaxError is a malformed filter expression.
type SyntaxError struct {
	// Offset is the byte offset into the expression where the problem
	// starts, from 0 to len(expr) inclusive, for a UI to underline.
	Offset int
	Msg    string
}

// Error formats e as "filter: offset N: message".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("filter: offset %d: %s", e.Offset, e.Msg)
}

func errorf(offset int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Offset: offset, Msg: fmt.Sprintf(format, args...)}
}
