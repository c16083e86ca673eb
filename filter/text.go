package filter

import (
	"net/http"
	"regexp"
	"regexp/syntax"
	"sync"
)

// text is a compiled regex argument. Most filters are plain words ("~d
// example", "~m POST") or contain one ("/api/v[0-9]+/users"), so literals
// are searched for directly, with results identical to the regexp's.
type text struct {
	src string // the regex as written
	re  *regexp.Regexp
	// whole, if set, is the regex itself: no need for re.
	whole *literal
	// required, if set, is in every match: without it, no need for re.
	required *literal
	// lines holds *[]byte scratch buffers for "Name: value" header lines,
	// so that header matching does not allocate.
	lines sync.Pool
}

// compileText compiles pattern with the given flags ("i", "is", ...).
func compileText(pattern, flags string) (*text, error) {
	full := "(?" + flags + ")" + pattern
	re, err := regexp.Compile(full)
	if err != nil {
		return nil, err
	}
	t := &text{src: pattern, re: re}
	// regexp.Compile parses the same way, so this cannot fail.
	if sr, err := syntax.Parse(full, syntax.Perl); err == nil {
		if t.whole = literalOf(sr); t.whole == nil {
			t.required = requiredOf(sr)
		}
	}
	return t, nil
}

// matchString reports whether the regex matches somewhere in s.
func (t *text) matchString(s string) bool {
	if t.whole != nil {
		if found, sure := t.whole.inString(s); sure {
			return found
		}
	} else if t.required != nil {
		if found, sure := t.required.inString(s); sure && !found {
			return false
		}
	}
	return t.re.MatchString(s)
}

// matchBytes reports whether the regex matches somewhere in b.
func (t *text) matchBytes(b []byte) bool {
	if t.whole != nil {
		if found, sure := t.whole.inBytes(b); sure {
			return found
		}
	} else if t.required != nil {
		if found, sure := t.required.inBytes(b); sure && !found {
			return false
		}
	}
	return t.re.Match(b)
}

// matchHeader reports whether the regex matches one of h's lines, each
// formatted as "Name: value".
func (t *text) matchHeader(h http.Header) bool {
	if len(h) == 0 {
		return false
	}
	if t.whole != nil && t.whole.split {
		// This literal cannot straddle the ": " between a name and a
		// value, so the line need not be built.
		for name, values := range h {
			if t.matchString(name) {
				return true
			}
			for _, v := range values {
				if t.matchString(v) {
					return true
				}
			}
		}
		return false
	}
	bp, _ := t.lines.Get().(*[]byte)
	if bp == nil {
		b := make([]byte, 0, 256)
		bp = &b
	}
	defer t.lines.Put(bp)
	for name, values := range h {
		for _, v := range values {
			line := append(append(append((*bp)[:0], name...), ": "...), v...)
			*bp = line
			if t.matchBytes(line) {
				return true
			}
		}
	}
	return false
}
