package filter

import (
	"errors"
	"regexp/syntax"
	"strings"
)

// parser is a recursive-descent parser over the grammar
//
//	seq     = or { or }                 juxtaposition: and, loosest
//	or      = and { "|" and }
//	and     = not { "&" not }
//	not     = { "!" } primary
//	primary = "(" seq ")" | operator | word | string
//
// It recurses only on parentheses, which are limited to maxDepth.
type parser struct {
	lx      lexer
	tok     token // the lookahead, when peeked
	peeked  bool
	depth   int
	bodies  bool // a body operator was used
	headers bool // an operator reading every header was used
	opts    Options
}

func (p *parser) peek() (token, *SyntaxError) {
	if !p.peeked {
		t, err := p.lx.next()
		if err != nil {
			return token{}, err
		}
		p.tok, p.peeked = t, true
	}
	return p.tok, nil
}

// take consumes the token returned by the last peek.
func (p *parser) take() { p.peeked = false }

// parse parses the whole expression.
func (p *parser) parse() (node, *SyntaxError) {
	n, err := p.seq()
	if err != nil {
		return nil, err
	}
	t, err := p.peek()
	if err != nil {
		return nil, err
	}
	if t.kind != tEOF { // only ")" stops seq early
		return nil, errorf(t.pos, `unmatched ")"`)
	}
	return n, nil
}

func (p *parser) seq() (node, *SyntaxError) {
	var list []node
	for {
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		if t.kind == tEOF || t.kind == tRParen {
			if len(list) == 0 {
				return nil, unexpected(t)
			}
			return allOf(list), nil
		}
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		list = append(list, n)
	}
}

func (p *parser) or() (node, *SyntaxError) { return p.chain(tOr, p.and, anyOf) }

func (p *parser) and() (node, *SyntaxError) { return p.chain(tAnd, p.not, allOf) }

// chain reads operands joined by the binary operator op, each with next,
// and combines them with join.
func (p *parser) chain(op tokKind, next func() (node, *SyntaxError), join func([]node) node) (node, *SyntaxError) {
	n, err := next()
	if err != nil {
		return nil, err
	}
	list := []node{n}
	for {
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		if t.kind != op {
			return join(list), nil
		}
		p.take()
		if n, err = next(); err != nil {
			return nil, err
		}
		list = append(list, n)
	}
}

// not reads any number of "!" without recursing; pairs cancel out.
func (p *parser) not() (node, *SyntaxError) {
	negate := false
	for {
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		if t.kind != tNot {
			break
		}
		p.take()
		negate = !negate
	}
	n, err := p.primary()
	if err != nil {
		return nil, err
	}
	if negate {
		if inner, ok := n.(notNode); ok { // "!(!a)" is a
			return inner.n, nil
		}
		return notNode{n}, nil
	}
	return n, nil
}

func (p *parser) primary() (node, *SyntaxError) {
	t, err := p.peek()
	if err != nil {
		return nil, err
	}
	switch t.kind {
	case tLParen:
		p.take()
		if p.depth >= maxDepth {
			return nil, errorf(t.pos, "parentheses nested deeper than %d", maxDepth)
		}
		p.depth++
		n, err := p.seq()
		p.depth--
		if err != nil {
			return nil, err
		}
		// seq stops only at ")" or at the end, where the lookahead is cached.
		if end, _ := p.peek(); end.kind != tRParen {
			return nil, errorf(t.pos, `unclosed "("`)
		}
		p.take()
		return n, nil
	case tOp:
		p.take()
		return p.operator(t)
	case tWord, tString:
		p.take()
		return p.regex(lookup("~u"), t)
	}
	return nil, unexpected(t)
}

// operator parses the operator whose name is in t, and its argument.
func (p *parser) operator(t token) (node, *SyntaxError) {
	def := lookup(t.text)
	c := p.lx.peekByte()
	ends := p.lx.pos >= len(p.lx.src) || isDelim(c) || c == '&' || c == '|'
	if def == nil || !ends && !(def.Arg.numeric() && strings.IndexByte("<>=!", c) >= 0) {
		return nil, errorf(t.pos, "unknown operator %.40q", t.text+p.lx.junk(p.lx.pos))
	}
	switch def.Arg {
	case ArgNone:
		return flagNode{def}, nil
	case ArgRegex:
		arg, err := p.lx.argument(def.Name)
		if err != nil {
			return nil, err
		}
		return p.regex(def, arg)
	}
	op, arg := p.lx.comparison()
	n, msg := parseValue(def, arg.text)
	if msg != "" {
		return nil, errorf(arg.pos, "%s", msg)
	}
	return &cmpNode{def: def, cmp: comparison{op: op, n: n}}, nil
}

// regex compiles the regex in t as the argument of def.
func (p *parser) regex(def *opDef, t token) (node, *SyntaxError) {
	tx, err := compileText(t.text, def.flags)
	if err != nil {
		msg := err.Error()
		var se *syntax.Error
		if errors.As(err, &se) {
			msg = se.Code.String()
		}
		return nil, errorf(t.pos, "bad regex %.40q: %s", t.text, msg)
	}
	p.bodies = p.bodies || def.Body
	p.headers = p.headers || def.headers
	return &textNode{def: def, text: tx, types: p.opts.Types}, nil
}

func unexpected(t token) *SyntaxError {
	if t.kind == tEOF {
		return errorf(t.pos, "expression ends too soon")
	}
	return errorf(t.pos, "unexpected %s", t.describe())
}
