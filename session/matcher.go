package session

// Matcher decides whether a flow belongs to a selection. The filter package
// builds them from expressions; nil matches everything.
type Matcher interface {
	Match(f *Flow) bool
}

// MatcherFunc adapts a function to a Matcher.
type MatcherFunc func(f *Flow) bool

// Match calls m(f).
func (m MatcherFunc) Match(f *Flow) bool { return m(f) }

// BodyMatcher is implemented by matchers that look at body bytes. The Store
// loads bodies from disk before asking such a matcher; others see flows
// whose bodies are Unloaded.
type BodyMatcher interface {
	Matcher
	NeedsBodies() bool
}
