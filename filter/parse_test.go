package filter

import (
	"errors"
	"strings"
	"testing"

	"github.com/siphonproxy/siphon/session"
)

// TestPrecedence checks each expression on all eight flows that make
// ~marked (a), ~e (b) and ~replay (c) true or false.
func TestPrecedence(t *testing.T) {
	tests := []struct {
		expr string
		want func(a, b, c bool) bool
	}{
		{"~marked | ~e & ~replay", func(a, b, c bool) bool { return a || b && c }},
		{"~marked & ~e | ~replay", func(a, b, c bool) bool { return a && b || c }},
		{"~marked&~e|~replay", func(a, b, c bool) bool { return a && b || c }},
		{"!~marked & ~e", func(a, b, c bool) bool { return !a && b }},
		{"!~marked|~e", func(a, b, c bool) bool { return !a || b }},
		{"! ~marked", func(a, b, c bool) bool { return !a }},
		{"!!~marked", func(a, b, c bool) bool { return a }},
		{"!!!~marked", func(a, b, c bool) bool { return !a }},
		{"!(~marked & ~e)", func(a, b, c bool) bool { return !(a && b) }},
		{"(~marked | ~e) & ~replay", func(a, b, c bool) bool { return (a || b) && c }},
		{"((~marked))", func(a, b, c bool) bool { return a }},
		{"~marked | ~e | ~replay", func(a, b, c bool) bool { return a || b || c }},
		{"~marked & ~e & ~replay", func(a, b, c bool) bool { return a && b && c }},
		// Juxtaposition is and, binding loosest (mitmproxy's OneOrMore).
		{"~marked ~e", func(a, b, c bool) bool { return a && b }},
		{"~marked ~e | ~replay", func(a, b, c bool) bool { return a && (b || c) }},
		{"~marked | ~e ~replay", func(a, b, c bool) bool { return (a || b) && c }},
		{"!~marked ~e", func(a, b, c bool) bool { return !a && b }},
		{"~marked & (~e ~replay)", func(a, b, c bool) bool { return a && b && c }},
		{"(~marked | ~e)(~replay)", func(a, b, c bool) bool { return (a || b) && c }},
		{"~marked & !(~e | !~replay)", func(a, b, c bool) bool { return a && !(b || !c) }},
	}
	for _, tt := range tests {
		f, err := Parse(tt.expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.expr, err)
			continue
		}
		for i := range 8 {
			a, b, c := i&1 != 0, i&2 != 0, i&4 != 0
			fl := baseFlow()
			fl.Marked = a
			if b {
				fl.Err = &session.Error{Phase: session.PhaseUpstream, Msg: "reset"}
			}
			if c {
				fl.Source = session.Replay
			}
			if got, want := f.Match(fl), tt.want(a, b, c); got != want {
				t.Errorf("%q with marked=%v error=%v replay=%v: got %v, want %v", tt.expr, a, b, c, got, want)
			}
		}
	}
}

// argOf parses expr, which must hold exactly one regex operator, and returns
// the operator's name and its regex.
func argOf(t *testing.T, expr string) (string, string) {
	t.Helper()
	f, err := Parse(expr)
	if err != nil {
		t.Fatalf("Parse(%q): %v", expr, err)
	}
	n, ok := f.root.(*textNode)
	if !ok {
		t.Fatalf("Parse(%q): root is %T, want one regex operator", expr, f.root)
	}
	return n.def.Name, n.text.src
}

func TestQuotingAndWords(t *testing.T) {
	tests := []struct{ expr, op, regex string }{
		{`~u "a b"`, "~u", `a b`},
		{`~u 'a b'`, "~u", `a b`},
		{`~u "a\"b"`, "~u", `a"b`},
		{`~u 'it\'s'`, "~u", `it's`},
		{`~u '"'`, "~u", `"`},
		{`~u "\d+\.json"`, "~u", `\d+\.json`},
		{`~u "a\\b"`, "~u", `a\b`},
		{`~u "(x)|~d"`, "~u", `(x)|~d`},
		{`~u ""`, "~u", ``},
		{`~h 'x: "y"'`, "~h", `x: "y"`},
		{`~u a=1&b=2`, "~u", `a=1&b=2`},
		{`~m GET|POST`, "~m", `GET|POST`},
		{`~u !x`, "~u", `!x`},
		{`~u é`, "~u", `é`},
		{"~d\texample", "~d", `example`},
		{`~d"quoted"`, "~d", `quoted`},
		{`example`, "~u", `example`},
		{`"two words"`, "~u", `two words`},
		{`'single'`, "~u", `single`},
		{`foo&bar`, "~u", `foo&bar`},
		{`a|b`, "~u", `a|b`},
		{`  /api/  `, "~u", `/api/`},
	}
	for _, tt := range tests {
		op, re := argOf(t, tt.expr)
		if op != tt.op || re != tt.regex {
			t.Errorf("Parse(%q) = %s %q, want %s %q", tt.expr, op, re, tt.op, tt.regex)
		}
	}
}

func TestBareWords(t *testing.T) {
	fl := baseFlow() // https://api.example.com:8443/v1/users?id=7, POST
	for expr, want := range map[string]bool{
		"users":           true,
		"USERS":           true,
		"!users":          false,
		"users ~m POST":   true,
		"users ~m GET":    false,
		"users & missing": false,
		"users | missing": true,
		"users missing":   false,
		"v1/users?id":     false, // "?" is a regex operator: "s" is optional
		`'users\?id=7'`:   true,
		"(users)":         true,
		"users&id":        false, // one word: the regex "users&id"
		"users&~m GET":    false, // "&" before "~" is an operator
		"users|~m GET":    true,
		"nothing|(users)": true,
	} {
		f, err := Parse(expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", expr, err)
			continue
		}
		if got := f.Match(fl); got != want {
			t.Errorf("Parse(%q).Match = %v, want %v", expr, got, want)
		}
	}
}

func TestBlank(t *testing.T) {
	for _, expr := range []string{"", " ", "\t\n  "} {
		f, err := Parse(expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", expr, err)
		}
		if f.String() != expr || f.NeedsBodies() {
			t.Errorf("Parse(%q): String %q, NeedsBodies %v", expr, f.String(), f.NeedsBodies())
		}
		for i, fl := range append(sampleFlows(t), nil) {
			if !f.Match(fl) {
				t.Errorf("Parse(%q) does not match sample %d", expr, i)
			}
		}
	}
	var nilFilter *Filter
	if !nilFilter.Match(baseFlow()) || nilFilter.NeedsBodies() || nilFilter.String() != "" {
		t.Error("nil *Filter: want match all, no bodies, empty string")
	}
	if f, _ := Parse("~all"); f.Match(nil) {
		t.Error("a non-blank filter matched a nil flow")
	}
}

func TestString(t *testing.T) {
	for _, expr := range []string{"~d example & ~c 200", "  users  ", `~b "x\"y"`} {
		f, err := Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		if f.String() != expr {
			t.Errorf("String() = %q, want %q", f.String(), expr)
		}
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		expr   string
		offset int
		msg    string
	}{
		{"~zz", 0, `unknown operator "~zz"`},
		{"~m GET ~zz", 7, `unknown operator "~zz"`},
		{"~m GET~zz", 6, `unknown operator "~zz"`},
		{"~", 0, `unknown operator "~"`},
		{"~E", 0, `unknown operator "~E"`},
		{"~c200", 0, `unknown operator "~c200"`},
		{"~dfoo", 0, `unknown operator "~dfoo"`},
		{"~d=foo", 0, `unknown operator "~d=foo"`},
		{"~e5", 0, `unknown operator "~e5"`},
		{"~d", 2, "~d needs a regex"},
		{"~d   ", 5, "~d needs a regex"},
		{"(~d)", 3, "~d needs a regex"},
		{"~d & ~m x", 3, "~d needs a regex"},
		{"~u (", 3, "~u needs a regex"},
		{"~h ~e", 3, "~h needs a regex"},
		{`~u "abc`, 3, "unterminated string"},
		{`'abc`, 0, "unterminated string"},
		{`~u "abc\"`, 3, "unterminated string"},
		{`~u [a-`, 3, `bad regex "[a-": missing closing ]`},
		{`~u "(x"`, 3, `bad regex "(x": missing closing )`},
		{`~u \`, 3, `bad regex "\\": trailing backslash`},
		{`x{2,1}`, 0, `bad regex "x{2,1}": invalid repeat count`},
		{"(~e", 0, `unclosed "("`},
		{"~e (~s | (~q)", 3, `unclosed "("`},
		{"~e)", 2, `unmatched ")"`},
		{")", 0, `unexpected ")"`},
		{"()", 1, `unexpected ")"`},
		{"~e &", 4, "expression ends too soon"},
		{"~e & ", 5, "expression ends too soon"},
		{"(", 1, "expression ends too soon"},
		{"!", 1, "expression ends too soon"},
		{"& ~e", 0, `unexpected "&"`},
		{"~e | | ~s", 5, `unexpected "|"`},
		{"~e & !", 6, "expression ends too soon"},
		{"~c", 2, "~c needs a status code"},
		{"~c abc", 3, `bad status code "abc"`},
		{"~c 1000", 3, `bad status code "1000"`},
		{"~c >= x", 6, `bad status code "x"`},
		{"~dur", 4, "~dur needs a duration"},
		{"~dur >", 6, "~dur needs a duration"},
		{"~dur >5xs", 6, `bad duration "5xs": unit must be one of`},
		{"~dur >-5ms", 6, `bad duration "-5ms": want a number`},
		{"~size >1.2.3MB", 7, `bad size "1.2.3MB"`},
		{"~size >99999999999GB", 7, `size "99999999999GB" is too large`},
		{"~size>1XB", 6, `bad size "1XB": unit must be one of B, KB MB GB TB (powers of 1000), K M G T or KiB`},
		{"~e ~size >=1mb/s", 11, `bad size "1mb/s": unit must be one of`},
		{"~size >-1m", 7, `bad size "-1m": want a number`},
		{strings.Repeat("(", 101) + "~e" + strings.Repeat(")", 101), 100, "parentheses nested deeper than 100"},
		{"~u " + strings.Repeat("x", MaxLen), MaxLen, "expression longer than"},
	}
	for _, tt := range tests {
		f, err := Parse(tt.expr)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%.40q) = %v, want a *SyntaxError", tt.expr, err)
			continue
		}
		if f != nil {
			t.Errorf("Parse(%.40q) returned a filter with its error", tt.expr)
		}
		if se.Offset != tt.offset || !strings.HasPrefix(se.Msg, tt.msg) {
			t.Errorf("Parse(%.40q) = offset %d %q, want offset %d %q", tt.expr, se.Offset, se.Msg, tt.offset, tt.msg)
		}
	}
}

func TestSyntaxErrorString(t *testing.T) {
	_, err := Parse("~m GET ~zz")
	if got, want := err.Error(), `filter: offset 7: unknown operator "~zz"`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestDepthLimit(t *testing.T) {
	ok := strings.Repeat("(", maxDepth) + "~e" + strings.Repeat(")", maxDepth)
	if _, err := Parse(ok); err != nil {
		t.Errorf("%d nested parentheses: %v", maxDepth, err)
	}
	// "!" does not recurse, so it needs no limit.
	f, err := Parse(strings.Repeat("!", 10001) + "~e")
	if err != nil {
		t.Fatal(err)
	}
	if !f.Match(baseFlow()) {
		t.Error("an odd number of ! did not negate")
	}
}
