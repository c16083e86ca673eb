package filter

import "strings"

type tokKind uint8

const (
	tEOF    tokKind = iota
	tLParen         // (
	tRParen         // )
	tNot            // !
	tAnd            // &
	tOr             // |
	tOp             // ~name; text is the name with its tilde
	tWord           // a bare word; text is the word
	tString         // a quoted string; text is its unescaped content
)

// token is one lexeme; pos is the byte offset where it starts.
type token struct {
	kind tokKind
	pos  int
	text string
}

// describe names the token for an error message.
func (t token) describe() string {
	if t.kind == tEOF {
		return "end of expression"
	}
	return `"` + t.text + `"`
}

// lexer splits an expression into tokens. The parser reads operator
// arguments through argument and comparison, which scan the input by
// different rules than next.
type lexer struct {
	src string
	pos int
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// isDelim reports whether c ends a word: white space, parentheses, a tilde
// or a quote. "&", "|" and "!" do not, as in mitmproxy, so that "a=1&b=2"
// and "GET|POST" are single words.
func isDelim(c byte) bool {
	return isSpace(c) || strings.IndexByte(`()~'"`, c) >= 0
}

func isLetter(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func (lx *lexer) skipSpace() {
	for lx.pos < len(lx.src) && isSpace(lx.src[lx.pos]) {
		lx.pos++
	}
}

// peekByte returns the byte at the current position, or 0 at the end.
func (lx *lexer) peekByte() byte {
	if lx.pos < len(lx.src) {
		return lx.src[lx.pos]
	}
	return 0
}

// next returns the next token in expression context.
func (lx *lexer) next() (token, *SyntaxError) {
	lx.skipSpace()
	start := lx.pos
	if start >= len(lx.src) {
		return token{kind: tEOF, pos: start}, nil
	}
	c := lx.src[start]
	switch c {
	case '(', ')', '!', '&', '|':
		lx.pos++
		return token{kind: punct(c), pos: start, text: lx.src[start:lx.pos]}, nil
	case '~':
		lx.pos++
		// A name is a letter, then letters or digits (~http2).
		for lx.pos < len(lx.src) && (isLetter(lx.src[lx.pos]) || lx.pos > start+1 && '0' <= lx.src[lx.pos] && lx.src[lx.pos] <= '9') {
			lx.pos++
		}
		return token{kind: tOp, pos: start, text: lx.src[start:lx.pos]}, nil
	case '\'', '"':
		return lx.quoted()
	}
	return lx.word(), nil
}

func punct(c byte) tokKind {
	switch c {
	case '(':
		return tLParen
	case ')':
		return tRParen
	case '!':
		return tNot
	case '&':
		return tAnd
	}
	return tOr
}

// word scans a run of non-delimiters starting at the current position.
//
// A word that ends in "&" or "|" right before "~" or "(" gives that
// character back as an operator: "~d x&~m GET" is "~d x & ~m GET". In
// mitmproxy the regex would be "x&", which nobody means.
func (lx *lexer) word() token {
	start := lx.pos
	for lx.pos < len(lx.src) && !isDelim(lx.src[lx.pos]) {
		lx.pos++
	}
	if end := lx.pos; end < len(lx.src) && end-1 > start &&
		(lx.src[end] == '~' || lx.src[end] == '(') &&
		(lx.src[end-1] == '&' || lx.src[end-1] == '|') {
		lx.pos--
	}
	return token{kind: tWord, pos: start, text: lx.src[start:lx.pos]}
}

// quoted scans a string in single or double quotes. A backslash before a
// quote or a backslash escapes it; any other backslash is kept, so that
// regex escapes survive.
func (lx *lexer) quoted() (token, *SyntaxError) {
	start := lx.pos
	q := lx.src[start]
	lx.pos++
	var b strings.Builder
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		switch {
		case c == q:
			lx.pos++
			return token{kind: tString, pos: start, text: b.String()}, nil
		case c == '\\' && lx.pos+1 < len(lx.src) && strings.IndexByte(`\'"`, lx.src[lx.pos+1]) >= 0:
			b.WriteByte(lx.src[lx.pos+1])
			lx.pos += 2
		default:
			b.WriteByte(c)
			lx.pos++
		}
	}
	return token{}, errorf(start, "unterminated string")
}

// argument scans the regex argument of op: a word or a quoted string.
func (lx *lexer) argument(op string) (token, *SyntaxError) {
	lx.skipSpace()
	switch c := lx.peekByte(); {
	case c == '\'' || c == '"':
		return lx.quoted()
	case lx.pos >= len(lx.src) || strings.IndexByte("()~&|", c) >= 0:
		return token{}, errorf(lx.pos, "%s needs a regex", op)
	}
	return lx.word(), nil
}

// comparators lists comparison operators, longest first so that ">=" is
// not read as ">".
var comparators = [...]struct {
	text string
	op   cmpOp
}{
	{">=", opGE}, {"<=", opLE}, {"!=", opNE}, {"==", opEQ},
	{">", opGT}, {"<", opLT}, {"=", opEQ},
}

// comparison scans an optional comparison operator and the number after it,
// returning the number's text and offset. A missing operator means equality.
func (lx *lexer) comparison() (cmpOp, token) {
	lx.skipSpace()
	op := opEQ
	for _, c := range comparators {
		if strings.HasPrefix(lx.src[lx.pos:], c.text) {
			op = c.op
			lx.pos += len(c.text)
			lx.skipSpace()
			break
		}
	}
	start := lx.pos
	for lx.pos < len(lx.src) && !isDelim(lx.src[lx.pos]) && strings.IndexByte("&|!", lx.src[lx.pos]) < 0 {
		lx.pos++
	}
	return op, token{kind: tWord, pos: start, text: lx.src[start:lx.pos]}
}

// junk returns the run of non-delimiters at pos, for error messages.
func (lx *lexer) junk(pos int) string {
	end := pos
	for end < len(lx.src) && !isDelim(lx.src[end]) {
		end++
	}
	return lx.src[pos:end]
}
