package intercept

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// resolve follows YAML aliases (*name) to the node they stand for.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// mapping calls fn for each key of the mapping n, in order, after checking
// that keys are known (keys nil allows any), unique and plain. field names
// the mapping in messages ("rule" for a rule itself).
func (rd *ruleReader) mapping(n *yaml.Node, field string, keys []string, fn func(key string, v *yaml.Node)) {
	n = resolve(n)
	if field != "rule" {
		rd.lines[field] = n.Line
	}
	if n.Kind != yaml.MappingNode {
		if keys == nil {
			rd.errorf(n.Line, "%s must be a mapping of name: value", field)
		} else {
			rd.errorf(n.Line, "%s must be a mapping with keys %s", field, strings.Join(keys, ", "))
		}
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			rd.errorf(k.Line, "keys in %s must be plain words", field)
			continue
		}
		key := k.Value
		if first, dup := seen[key]; dup {
			rd.errorf(k.Line, "duplicate key %q in %s (first at line %d)", key, field, first)
			continue
		}
		seen[key] = k.Line
		if keys != nil && !slices.Contains(keys, key) {
			rd.unknownKey(k, field, keys)
			continue
		}
		path := key
		if field != "rule" {
			path = field + "." + key
		}
		rd.lines[path] = k.Line
		fn(key, v)
	}
}

func (rd *ruleReader) unknownKey(k *yaml.Node, field string, keys []string) {
	hint := ""
	if s := suggest(k.Value, keys); s != "" {
		hint = " (did you mean " + s + "?)"
	}
	if field == "rule" {
		rd.errorf(k.Line, "unknown action %q%s: a rule has name, match, enabled and one of %s", k.Value, hint, actionList)
		return
	}
	rd.errorf(k.Line, "unknown key %q in %s%s: want %s", k.Value, field, hint, strings.Join(keys, ", "))
}

// str reads a scalar as text; null reads as "".
func (rd *ruleReader) str(n *yaml.Node, field string) (string, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode {
		rd.errorf(n.Line, "%s must be a single value, not a list or mapping", field)
		return "", false
	}
	if n.Tag == "!!null" {
		return "", true
	}
	return n.Value, true
}

// decode reads a scalar into v (an int or a bool); want describes a good
// value for the message.
func (rd *ruleReader) decode(n *yaml.Node, field string, v any, want string) bool {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.Decode(v) != nil {
		rd.errorf(n.Line, "bad %s %q: want %s", field, n.Value, want)
		return false
	}
	return true
}

// strList reads a scalar or a list of scalars.
func (rd *ruleReader) strList(n *yaml.Node, field string) []string {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		s, ok := rd.str(n, field)
		if !ok {
			return nil
		}
		return []string{s}
	}
	out := make([]string, 0, len(n.Content))
	for _, item := range n.Content {
		if s, ok := rd.str(item, field); ok {
			out = append(out, s)
		}
	}
	return out
}

// lineOf finds where a field was written: the field itself, else its
// closest enclosing field, else the rule's first line.
func (rd *ruleReader) lineOf(field string) int {
	for f := field; f != ""; {
		if line, ok := rd.lines[f]; ok {
			return line
		}
		i := strings.LastIndexByte(f, '.')
		if i < 0 {
			break
		}
		f = f[:i]
	}
	return rd.lines["name"]
}

// suggest returns the candidate closest to word when it is near enough to
// be a typo (at most two edits), else "".
func suggest(word string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(word), c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 10 // not a typo of any key
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
