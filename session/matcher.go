package session

// Matcher decides whether a flow belongs to a selection. The filter package
// builds them from expressions; nil matches everything. Match must neither
// modify f nor keep it (or anything it points to but strings) after it
// returns: a Store builds a million-flow pass's snapshots in one reused
// piece of memory.
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

// HeaderMatcher is implemented by matchers that read headers other than
// Content-Type. The Store reads the headers of committed flows back from
// the file before asking such a matcher (see Flow.HeadersUnloaded); others
// see only Content-Type.
type HeaderMatcher interface {
	Matcher
	NeedsHeaders() bool
}

// IDMatcher is implemented by matchers that can tell whether they read
// Flow.ID. A Store hands one that does not (the filter package's) the
// snapshots of its compact rows without their IDs (ID ""): a filter over a
// million flows then builds no million ID strings. Matchers that do not
// implement IDMatcher see every flow's ID.
type IDMatcher interface {
	Matcher
	NeedsID() bool
}

// needsID reports whether m reads snapshots' IDs.
func needsID(m Matcher) bool {
	if im, ok := m.(IDMatcher); ok {
		return im.NeedsID()
	}
	return true
}

// needs reports what m reads beyond the store's light snapshots.
func needs(m Matcher) (bodies, headers bool) {
	if bm, ok := m.(BodyMatcher); ok {
		bodies = bm.NeedsBodies()
	}
	if hm, ok := m.(HeaderMatcher); ok {
		headers = hm.NeedsHeaders()
	}
	return bodies, headers
}
