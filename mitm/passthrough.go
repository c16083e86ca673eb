package mitm

import (
	"net"
	"slices"
	"strings"
	"sync"
)

// Passthrough is a live set of host names whose CONNECT tunnels siphon
// passes through untouched, as it does for --ignore-hosts, but which
// changes while the proxy runs: an app that pins its certificates rejects
// siphon's, and passing its hosts through lets it work again, unseen. The
// proxy consults it at every CONNECT, so a change applies to the next
// tunnel without a restart. It is safe for concurrent use; the nil
// *Passthrough is an empty set that cannot change.
type Passthrough struct {
	mu    sync.RWMutex
	hosts map[string]struct{}
	// changed is a coalescing signal (capacity 1): whoever saves or shows
	// the set waits on it, and Add and Remove never block.
	changed chan struct{}
}

// NewPassthrough returns a set holding hosts; names are normalised as
// PassthroughHost does, and empty ones are left out.
func NewPassthrough(hosts []string) *Passthrough {
	s := &Passthrough{hosts: make(map[string]struct{}, len(hosts)), changed: make(chan struct{}, 1)}
	for _, h := range hosts {
		if h = PassthroughHost(h); h != "" {
			s.hosts[h] = struct{}{}
		}
	}
	return s
}

// PassthroughHost is the form hosts take in a Passthrough: lower case,
// without a port, brackets or a trailing dot. "" when nothing is left.
func PassthroughHost(host string) string {
	host = strings.TrimSpace(host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return strings.ToLower(strings.TrimSuffix(host, "."))
}

// Add puts host in the set and reports whether it was new.
func (s *Passthrough) Add(host string) bool {
	host = PassthroughHost(host)
	if s == nil || host == "" {
		return false
	}
	s.mu.Lock()
	_, had := s.hosts[host]
	s.hosts[host] = struct{}{}
	s.mu.Unlock()
	if !had {
		s.signal()
	}
	return !had
}

// Remove takes host out of the set and reports whether it was there.
func (s *Passthrough) Remove(host string) bool {
	host = PassthroughHost(host)
	if s == nil {
		return false
	}
	s.mu.Lock()
	_, had := s.hosts[host]
	delete(s.hosts, host)
	s.mu.Unlock()
	if had {
		s.signal()
	}
	return had
}

// Contains reports whether host (a name or host:port) is in the set.
func (s *Passthrough) Contains(host string) bool {
	if s == nil {
		return false
	}
	host = PassthroughHost(host)
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.hosts[host]
	return ok
}

// Hosts returns the set's hosts, sorted.
func (s *Passthrough) Hosts() []string {
	if s == nil {
		return nil
	}
	s.mu.RLock()
	out := make([]string, 0, len(s.hosts))
	for h := range s.hosts {
		out = append(out, h)
	}
	s.mu.RUnlock()
	slices.Sort(out)
	return out
}

// Changed returns a channel that receives a value after the set changed;
// changes made before the value is taken are coalesced into it. A nil set
// never changes: its channel is nil.
func (s *Passthrough) Changed() <-chan struct{} {
	if s == nil {
		return nil
	}
	return s.changed
}

func (s *Passthrough) signal() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}
