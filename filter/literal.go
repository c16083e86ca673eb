package filter

import (
	"bytes"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// maxLiteral is the longest literal searched without the regexp engine; the
// search costs up to len(literal) per byte of subject.
const maxLiteral = 64

// literal is ASCII text that a regex matches exactly (the whole regex is
// the literal) or that every match contains (a required part). Searching
// for it directly is much faster than the regexp package, whose literal
// prefix scan (?i) disables.
type literal struct {
	s     string // lower case when fold
	b     []byte // s, for searching bytes
	fold  bool   // case-insensitive
	split bool   // no ':' or ' ', so it cannot straddle a header's ": "
	// Unicode folding also maps "k" to the Kelvin sign and "s" to the long
	// s; no other ASCII letter has a non-ASCII fold. A subject holding one
	// of those, when the literal has the letter, needs the regexp.
	kelvin, longS bool
}

// literalOf returns the literal that a parsed regex matches exactly, or
// nil.
func literalOf(re *syntax.Regexp) *literal {
	if re.Op != syntax.OpLiteral || len(re.Rune) > maxLiteral {
		return nil
	}
	return newLiteral(re.Rune, re.Flags&syntax.FoldCase != 0)
}

// requiredOf returns the longest ASCII literal that every match of a parsed
// regex contains, cut to maxLiteral, or nil.
func requiredOf(re *syntax.Regexp) *literal {
	parts := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		parts = re.Sub
	}
	var best *literal
	for _, p := range parts {
		if p.Op != syntax.OpLiteral {
			continue
		}
		runes := p.Rune[:min(len(p.Rune), maxLiteral)]
		if l := newLiteral(runes, p.Flags&syntax.FoldCase != 0); l != nil && (best == nil || len(l.s) > len(best.s)) {
			best = l
		}
	}
	return best
}

// newLiteral returns runes as a literal, or nil if they are not ASCII.
func newLiteral(runes []rune, fold bool) *literal {
	b := make([]byte, len(runes))
	for i, r := range runes {
		if r >= utf8.RuneSelf {
			return nil
		}
		b[i] = byte(r)
		if fold {
			b[i] = lower(b[i])
		}
	}
	if len(b) == 0 {
		return nil
	}
	s := string(b)
	return &literal{
		s: s, b: b, fold: fold,
		split:  !strings.ContainsAny(s, ": "),
		kelvin: fold && strings.IndexByte(s, 'k') >= 0,
		longS:  fold && strings.IndexByte(s, 's') >= 0,
	}
}

// inString reports whether s contains the literal; sure is false when only
// the regexp can tell.
func (l *literal) inString(s string) (found, sure bool) {
	if !l.fold {
		return strings.Contains(s, l.s), true
	}
	if l.kelvin && strings.Contains(s, "\u212a") || l.longS && strings.Contains(s, "\u017f") {
		return false, false
	}
	return indexFold(s, l.s), true
}

// inBytes is inString for bytes.
func (l *literal) inBytes(b []byte) (found, sure bool) {
	if !l.fold {
		return bytes.Contains(b, l.b), true
	}
	if l.kelvin && bytes.Contains(b, []byte("\u212a")) || l.longS && bytes.Contains(b, []byte("\u017f")) {
		return false, false
	}
	return containsFold(b, l.s), true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// indexFold reports whether s contains lit, a non-empty lower-case ASCII
// string, ignoring ASCII case. It finds candidates for lit's first byte in
// either case with strings.IndexByte, which is vectorised, and scans each
// part of s for each case at most once.
func indexFold(s, lit string) bool {
	n := len(lit)
	end := len(s) - n + 1 // candidates start before end
	lo, up := lit[0], lit[0]
	if 'a' <= lo && lo <= 'z' {
		up = lo - ('a' - 'A')
	}
	nextLo, nextUp := -1, -1 // the next candidate of each case, end if none
	for i := 0; i < end; {
		if nextLo < i {
			nextLo = indexFrom(s, lo, i, end)
		}
		if nextUp < i {
			nextUp = end
			if up != lo {
				nextUp = indexFrom(s, up, i, end)
			}
		}
		j := min(nextLo, nextUp)
		if j >= end {
			return false
		}
		if equalFold(s[j+1:j+n], lit[1:]) {
			return true
		}
		i = j + 1
	}
	return false
}

// indexFrom returns the index of c in s[from:end], or end.
func indexFrom(s string, c byte, from, end int) int {
	if k := strings.IndexByte(s[from:end], c); k >= 0 {
		return from + k
	}
	return end
}

// equalFold reports whether s equals lit, which is lower case, ignoring
// ASCII case.
func equalFold(s, lit string) bool {
	for i := 0; i < len(lit); i++ {
		if lower(s[i]) != lit[i] {
			return false
		}
	}
	return true
}

// containsFold is indexFold for bytes, without the vectorised scan: it
// serves bodies and built header lines, which are not the hot path.
func containsFold(s []byte, lit string) bool {
	n := len(lit)
	for i := 0; i+n <= len(s); i++ {
		if lower(s[i]) != lit[0] {
			continue
		}
		j := 1
		for j < n && lower(s[i+j]) == lit[j] {
			j++
		}
		if j == n {
			return true
		}
	}
	return false
}
