package intercept

import (
	"fmt"
	"net/http"
	"strings"
	"unicode"

	"github.com/siphonproxy/siphon/session"
)

// refusal is the answer to a request no rule handles under MockOnly: a 502
// whose body names the rule that comes closest, so that a failing test
// says which mock to fix.
func refusal(set *ruleSet, f *session.Flow) (*session.Response, *session.Error) {
	target := f.Request.Method + " " + f.Request.URL
	msg := "--mock-only: no rule answers " + target
	var b strings.Builder
	fmt.Fprintf(&b, "siphon: %s\n", msg)
	best := closest(set, f)
	switch {
	case best != nil:
		where := best.rule.File
		if where != "" {
			where = fmt.Sprintf(" (%s:%d)", where, best.rule.Line)
		}
		msg += fmt.Sprintf("; closest rule %q%s", best.rule.Name, where)
		fmt.Fprintf(&b, "closest rule: %q%s, match: %s\n", best.rule.Name, where, best.rule.Match)
		if !best.enabled.Load() {
			b.WriteString("that rule is disabled\n")
		}
	default:
		msg += "; no mock, block or map-remote rule is loaded"
		b.WriteString("no mock, block or map-remote rule is loaded\n")
	}
	b.WriteString("hint: add a mock rule for this request, or run without --mock-only to let it reach the network\n")
	return textResponse(http.StatusBadGateway, b.String()),
		&session.Error{Phase: session.PhaseIntercept, Msg: msg, Hint: "add a mock rule for this request, or drop --mock-only"}
}

// closest picks the mock, block or map-remote rule whose expression shares
// the most text with the request line: its words (host labels, path
// segments, method) found in the request count by their length. Ties go
// to the earlier rule; nil when there is no such rule.
func closest(set *ruleSet, f *session.Flow) *compiled {
	subject := strings.ToLower(f.Request.Method + " " + f.Request.URL)
	var best *compiled
	bestScore := -1
	for _, c := range set.rules {
		if c.mock == nil && c.remote == nil && (c.rule.Block == nil || c.rule.Block.Messages) {
			continue
		}
		score := 0
		for _, w := range words(c.rule.Match) {
			if strings.Contains(subject, w) {
				score += len(w)
			}
		}
		if score > bestScore {
			best, bestScore = c, score
		}
	}
	return best
}

// words splits a filter expression into its literal words, leaving out
// operators (~d, ~u) and words of one letter.
func words(expr string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(expr), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_'
	}) {
		if len(w) > 1 && !isOperatorWord(expr, w) {
			out = append(out, w)
		}
	}
	return out
}

// isOperatorWord reports whether w only ever appears in expr as an
// operator name ("~dst" gives "dst").
func isOperatorWord(expr, w string) bool {
	low := strings.ToLower(expr)
	n := strings.Count(low, w)
	return n > 0 && strings.Count(low, "~"+w) == n
}
