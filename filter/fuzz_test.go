package filter

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that errors are SyntaxErrors
// inside the expression, and that a parsed filter matches without panicking
// and survives a round trip through its canonical form: printing the tree
// with every operator explicit and every regex quoted parses back to the
// same tree, which matches the same sample flows.
//
// The seed corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	flows := sampleFlows(f)
	f.Fuzz(func(t *testing.T, expr string) {
		flt, err := Parse(expr)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): %T %v, want a *SyntaxError", expr, err, err)
			}
			if se.Offset < 0 || se.Offset > len(expr) || se.Msg == "" {
				t.Fatalf("Parse(%q): %v: offset outside the expression or no message", expr, err)
			}
			if flt != nil {
				t.Fatalf("Parse(%q) returned a filter with its error", expr)
			}
			return
		}
		if flt.String() != expr {
			t.Fatalf("String() = %q, want %q", flt.String(), expr)
		}
		got := make([]bool, len(flows))
		for i, fl := range flows {
			got[i] = flt.Match(fl)
		}

		canon := format(flt.root)
		again, err := Parse(canon)
		if err != nil {
			var se *SyntaxError
			// Printing adds parentheses and quotes, so the canonical form
			// of an expression near a limit may pass it.
			if errors.As(err, &se) && (strings.HasPrefix(se.Msg, "parentheses nested") ||
				strings.HasPrefix(se.Msg, "expression longer")) {
				return
			}
			t.Fatalf("canonical form %q of %q does not parse: %v", canon, expr, err)
		}
		if c := format(again.root); c != canon {
			t.Fatalf("canonical form of %q is %q, but it reparses as %q", expr, canon, c)
		}
		if again.NeedsBodies() != flt.NeedsBodies() {
			t.Fatalf("%q and its canonical form %q differ in NeedsBodies", expr, canon)
		}
		for i, fl := range flows {
			if again.Match(fl) != got[i] {
				t.Fatalf("%q and its canonical form %q differ on sample flow %d", expr, canon, i)
			}
		}
	})
}

// format prints a parsed tree in canonical form; "" for a blank filter.
func format(n node) string {
	var b strings.Builder
	if n != nil {
		writeNode(&b, n, 0)
	}
	return b.String()
}

// writeNode writes n, in parentheses if it binds looser than its context:
// 1 inside "|", 2 inside "&", 3 after "!".
func writeNode(b *strings.Builder, n node, context int) {
	switch n := n.(type) {
	case orNode:
		writeList(b, n, " | ", 1, context)
	case andNode:
		writeList(b, n, " & ", 2, context)
	case notNode:
		b.WriteString("!")
		writeNode(b, n.n, 3)
	case flagNode:
		b.WriteString(n.def.Name)
	case *textNode:
		b.WriteString(n.def.Name + " " + quote(n.text.src))
	case *cmpNode:
		b.WriteString(n.def.Name + " " + cmpText[n.cmp.op] + strconv.FormatInt(n.cmp.n, 10))
		b.WriteString(map[ArgKind]string{ArgDuration: "ns", ArgSize: "B"}[n.def.Arg])
	default:
		b.WriteString("<unknown node>")
	}
}

func writeList(b *strings.Builder, list []node, sep string, level, context int) {
	if context > level {
		b.WriteString("(")
		defer b.WriteString(")")
	}
	for i, n := range list {
		if i > 0 {
			b.WriteString(sep)
		}
		writeNode(b, n, level)
	}
}

var cmpText = map[cmpOp]string{opEQ: "=", opNE: "!=", opLT: "<", opLE: "<=", opGT: ">", opGE: ">="}

// quote returns s in double quotes, with backslashes and quotes escaped.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func TestFormat(t *testing.T) {
	for expr, want := range map[string]string{
		"":                        "",
		"~d x ~m GET | ~m PUT":    `~d "x" & (~m "GET" | ~m "PUT")`,
		"!(a & b) | c":            `!(~u "a" & ~u "b") | ~u "c"`,
		"!!~e":                    "~e",
		"~m GET|~m POST":          `~m "GET" | ~m "POST"`,
		"~d x&~m y":               `~d "x" & ~m "y"`,
		"!(!~e)":                  "~e",
		`~b 'a"b\d'`:              `~b "a\"b\\d"`,
		"~dur >1ms ~size<=1KiB":   `~dur >1000000ns & ~size <=1024B`,
		"~c 200 | (~c 404 (~q))":  `~c =200 | ~c =404 & ~q`,
		"(a | b) & (c | d) | e f": `((~u "a" | ~u "b") & (~u "c" | ~u "d") | ~u "e") & ~u "f"`,
	} {
		f, err := Parse(expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", expr, err)
		}
		if got := format(f.root); got != want {
			t.Errorf("format(%q) = %s, want %s", expr, got, want)
		}
	}
}
