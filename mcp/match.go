package mcp

import (
	"strings"

	"github.com/siphonproxy/siphon/filter"
	"github.com/siphonproxy/siphon/session"
)

// matcher parses a filter expression for list_flows and search_flows. With
// redaction on, the filter sees flows as the agent does, redacted: otherwise
// "~hq 'Bearer sk-live-1'" or "~u access_token=abc" would tell, by what
// matches, whether a guessed secret is the captured one.
func (s *Server) matcher(expr string) (session.Matcher, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, nil // every flow, on the store's fast path
	}
	f, err := parseFilter(expr)
	if err != nil {
		return nil, err
	}
	if s.cfg.NoRedact {
		return f, nil
	}
	return redactedMatcher{f}, nil
}

// redactedMatcher matches the redacted copy of each flow. It keeps the
// filter's needs, so that the store still loads headers and bodies for it.
type redactedMatcher struct{ f *filter.Filter }

var (
	_ session.BodyMatcher   = redactedMatcher{}
	_ session.HeaderMatcher = redactedMatcher{}
)

func (m redactedMatcher) Match(f *session.Flow) bool {
	if m.f.NeedsBodies() || m.f.NeedsHeaders() {
		return m.f.Match(redactFlow(f))
	}
	// Only the URL can hold a secret then; the store's own snapshot must
	// not change, so a URL with one is matched on a shallow copy.
	if f.Request == nil || !strings.Contains(f.Request.URL, "?") {
		return m.f.Match(f)
	}
	u := redactURL(f.Request.URL)
	if u == f.Request.URL {
		return m.f.Match(f)
	}
	g, req := *f, *f.Request
	req.URL = u
	g.Request = &req
	return m.f.Match(&g)
}

// NeedsBodies reports whether the filter looks into bodies.
func (m redactedMatcher) NeedsBodies() bool { return m.f.NeedsBodies() }

// NeedsHeaders reports whether the filter reads headers.
func (m redactedMatcher) NeedsHeaders() bool { return m.f.NeedsHeaders() }
