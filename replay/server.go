package replay

import (
	"fmt"
	"iter"
	"strings"
	"sync"

	"github.com/siphonproxy/siphon/session"
)

// FlowSource is where a Server reads recorded flows; *session.Store
// satisfies it.
type FlowSource interface {
	All(m session.Matcher) iter.Seq[*session.Flow]
	Get(id string) (*session.Flow, error)
}

// Server is server-side replay: it answers requests from the responses of
// a recorded session, without the origin. A request gets the response of
// a recorded flow whose request matches it (see Match); identical requests
// get the recorded responses in recorded order, then the last one again.
//
// Server keeps only each candidate's metadata in memory and reads a
// response body when it serves it. It is safe for concurrent use.
type Server struct {
	src   FlowSource
	match Match

	mu     sync.Mutex
	queues map[string]*queue
	all    []*candidate // in recorded order, for the nearest miss
}

type candidate struct {
	id  string
	seq int64
	req string // "METHOD URL", for messages
	key requestKey
}

// queue holds the recorded flows of one request key, in order; next is
// how many were served.
type queue struct {
	flows []*candidate
	next  int
}

// NewServer builds a Server from the flows of src that m selects (all for
// a nil m) and that got a response: failed flows, tunnels and WebSockets
// are left out. With match.Body, each candidate's request body is read
// once, to hash it.
func NewServer(src FlowSource, m session.Matcher, match Match) (*Server, error) {
	s := &Server{src: src, match: match, queues: map[string]*queue{}}
	for f := range src.All(m) {
		if f.Kind != session.HTTP || f.Request == nil || f.Response == nil || f.Err != nil {
			continue
		}
		if match.Body {
			full, err := src.Get(f.ID)
			if err != nil {
				return nil, fmt.Errorf("server replay: read flow %d: %w", f.Seq, err)
			}
			f = full
		}
		c := &candidate{id: f.ID, seq: f.Seq, req: f.Request.Method + " " + f.Request.URL, key: keyOf(f.Request, match)}
		id := c.key.id()
		q := s.queues[id]
		if q == nil {
			q = &queue{}
			s.queues[id] = q
		}
		q.flows = append(q.flows, c)
		s.all = append(s.all, c)
	}
	return s, nil
}

// Len is how many recorded flows the Server can answer with.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.all)
}

// Match is what the Server compares.
func (s *Server) Match() Match { return s.match }

// Lookup finds the recorded flow that answers q and returns it with its
// bodies loaded; the caller serves its Response. q's body must be loaded
// when the Server matches bodies. Without a match the error is a *Miss
// naming the nearest recorded request and what differs.
func (s *Server) Lookup(q *session.Request) (*session.Flow, error) {
	k := keyOf(q, s.match)
	s.mu.Lock()
	qu := s.queues[k.id()]
	if qu == nil {
		miss := s.missLocked(q, &k)
		s.mu.Unlock()
		return nil, miss
	}
	c := qu.flows[min(qu.next, len(qu.flows)-1)]
	qu.next++
	s.mu.Unlock()
	f, err := s.src.Get(c.id)
	if err != nil {
		return nil, fmt.Errorf("server replay: read recorded flow %d: %w", c.seq, err)
	}
	return f, nil
}

// Reset makes every request start again from the first recorded response.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, q := range s.queues {
		q.next = 0
	}
}

func (s *Server) missLocked(q *session.Request, k *requestKey) *Miss {
	m := &Miss{Method: q.Method, URL: q.URL, Match: s.match}
	var best *candidate
	bestScore := -1
	for _, c := range s.all {
		if sc := k.closeness(&c.key); sc > bestScore {
			best, bestScore = c, sc
		}
	}
	if best != nil {
		m.NearestID, m.NearestSeq, m.Nearest = best.id, best.seq, best.req
		m.Diffs = k.diff(&best.key)
	}
	return m
}

// Miss is the error of a request no recorded flow matches.
type Miss struct {
	Method, URL string // the request that missed
	Match       Match  // what was compared
	// Nearest is the closest recorded request ("METHOD URL"), NearestSeq
	// its flow's number and NearestID its ID; empty when the session has
	// no flow to answer with.
	Nearest    string
	NearestSeq int64
	NearestID  string
	// Diffs says how the request differs from the nearest one.
	Diffs []string
}

// Error reads "no recorded response for GET https://a.test/x?p=2 (matching
// method,url); nearest is #4 GET https://a.test/x?p=1: query "p=2",
// recorded "p=1"".
func (m *Miss) Error() string {
	head := fmt.Sprintf("no recorded response for %s %s (matching %s)", m.Method, m.URL, m.Match)
	if m.Nearest == "" {
		return head + "; the session has no responses to replay"
	}
	return fmt.Sprintf("%s; nearest is #%d %s: %s", head, m.NearestSeq, m.Nearest, strings.Join(m.Diffs, "; "))
}
