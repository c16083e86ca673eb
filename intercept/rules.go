package intercept

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/siphonproxy/siphon/filter"
)

// ErrNoRule is returned for a rule ID the Engine does not hold.
var ErrNoRule = errors.New("intercept: no such rule")

// RuleStatus is one rule as the Engine holds it, for a rules view.
type RuleStatus struct {
	// ID names the rule across reloads: "FILE#NAME", or "#NAME" for a
	// rule added with AddRule.
	ID      string
	Rule    *Rule // a copy
	Enabled bool
	// Hits counts the times the rule acted: once per flow for most
	// actions, once per phase for a rewrite with request and response
	// parts or a breakpoint on both.
	Hits  int64
	Added bool // added at run time; SaveRules writes these
}

// Rules lists every rule in the order they are applied.
func (e *Engine) Rules() []RuleStatus {
	set := e.set.Load()
	out := make([]RuleStatus, len(set.rules))
	for i, c := range set.rules {
		out[i] = RuleStatus{ID: c.id, Rule: c.rule.Clone(), Enabled: c.enabled.Load(), Hits: c.hits.Load(), Added: c.rule.File == ""}
	}
	return out
}

// SetEnabled turns a rule on or off. The choice outlives reloads of the
// rule's file (it wins over the file's enabled: key).
func (e *Engine) SetEnabled(id string, on bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.find(id)
	if c == nil {
		return fmt.Errorf("enable rule %q: %w", id, ErrNoRule)
	}
	e.setEnabledLocked(c, on)
	return nil
}

// Toggle flips a rule between enabled and disabled and returns its new
// state.
func (e *Engine) Toggle(id string) (bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.find(id)
	if c == nil {
		return false, fmt.Errorf("toggle rule %q: %w", id, ErrNoRule)
	}
	on := !c.enabled.Load()
	e.setEnabledLocked(c, on)
	return on, nil
}

func (e *Engine) setEnabledLocked(c *compiled, on bool) {
	e.overrides[c.id] = on
	c.enabled.Store(on)
	e.notify()
}

func (e *Engine) find(id string) *compiled {
	for _, c := range e.set.Load().rules {
		if c.id == id {
			return c
		}
	}
	return nil
}

// AddRule checks r and appends it after the rules from files; it returns
// the rule's ID. r's File and Line are ignored; a relative mock file is
// read from the working directory. Names of added rules are unique.
func (e *Engine) AddRule(r *Rule) (string, error) {
	r = r.Clone()
	r.File, r.Line = "", 0
	c, err := compile(r, ".")
	if err != nil {
		return "", fmt.Errorf("add rule %q: %w", r.Name, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, a := range e.added {
		if a.rule.Name == r.Name {
			return "", fmt.Errorf("add rule %q: a rule with that name was already added", r.Name)
		}
	}
	e.added = append(e.added, c)
	e.publish()
	return c.id, nil
}

// RemoveRule removes a rule added with AddRule; rules from files are
// changed in their files.
func (e *Engine) RemoveRule(id string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, a := range e.added {
		if a.id == id {
			e.added = append(e.added[:i:i], e.added[i+1:]...)
			delete(e.overrides, id)
			e.publish()
			return nil
		}
	}
	return fmt.Errorf("remove rule %q: %w", id, ErrNoRule)
}

// SaveRules writes the rules added with AddRule to path as a rules file
// (replacing it atomically), with their current enabled state.
func (e *Engine) SaveRules(path string) error {
	e.mu.Lock()
	rules := make([]*Rule, len(e.added))
	for i, c := range e.added {
		rules[i] = c.rule.Clone()
		rules[i].Disabled = !c.enabled.Load()
		// Added rules read mock files from the working directory; the
		// saved file may live elsewhere.
		if m := rules[i].Mock; m != nil && m.File != "" && !filepath.IsAbs(m.File) {
			if abs, err := filepath.Abs(m.File); err == nil {
				m.File = abs
			}
		}
	}
	e.mu.Unlock()
	data, err := Marshal(rules)
	if err != nil {
		return fmt.Errorf("save rules %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".rules-*.yaml")
	if err != nil {
		return fmt.Errorf("save rules %s: %w", path, err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save rules %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save rules %s: %w", path, err)
	}
	return nil
}

// breakFilter is the interactive breakpoint: a filter expression set at
// run time (the UI's "i" key), at the request phase unless it mentions ~s.
type breakFilter struct {
	f     *filter.Filter
	phase Phase
}

// SetIntercepting turns breakpoints on or off, those of rules and the
// intercept filter alike; other actions keep working. Flows already
// paused stay paused.
func (e *Engine) SetIntercepting(on bool) {
	e.intercepting.Store(on)
	e.notify()
}

// Idle reports whether the engine would pass every flow unchanged now: no
// rule enabled, no --mock-only, and no intercept filter to pause on.
func (e *Engine) Idle() bool {
	if e.cfg.MockOnly || (e.intercepting.Load() && e.breakOn.Load() != nil) {
		return false
	}
	for _, c := range e.set.Load().rules {
		if c.enabled.Load() {
			return false
		}
	}
	return true
}

// Intercepting reports whether breakpoints pause flows.
func (e *Engine) Intercepting() bool { return e.intercepting.Load() }

// SetInterceptFilter sets the intercept filter: flows matching expr pause
// at the request phase, or at the response phase when expr uses ~s (as in
// mitmproxy). A blank expr clears it. A malformed expression is a
// *filter.SyntaxError and leaves the old filter in place.
func (e *Engine) SetInterceptFilter(expr string) error {
	if strings.TrimSpace(expr) == "" {
		e.breakOn.Store(nil)
		e.notify()
		return nil
	}
	f, err := filter.Parse(expr)
	if err != nil {
		return err
	}
	phase := RequestPhase
	if mentionsResponse(expr) {
		phase = ResponsePhase
	}
	e.breakOn.Store(&breakFilter{f: f, phase: phase})
	e.notify()
	return nil
}

// InterceptFilter returns the intercept filter's expression, "" if none.
func (e *Engine) InterceptFilter() string {
	if b := e.breakOn.Load(); b != nil {
		return b.f.String()
	}
	return ""
}

// mentionsResponse reports whether expr uses the ~s operator outside
// quotes.
func mentionsResponse(expr string) bool {
	var quote byte
	for i := 0; i < len(expr); i++ {
		ch := expr[i]
		switch {
		case quote != 0:
			if ch == '\\' {
				i++
			} else if ch == quote {
				quote = 0
			}
		case ch == '"' || ch == '\'':
			quote = ch
		case ch == '~' && i+1 < len(expr) && expr[i+1] == 's':
			end := i + 2
			if end == len(expr) || strings.IndexByte(" \t\r\n()&|!", expr[end]) >= 0 {
				return true
			}
		}
	}
	return false
}
