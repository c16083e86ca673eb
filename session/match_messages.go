package session

import (
	"fmt"
	"iter"
)

// messageWindow is how many messages Flow.Messages reads at a time: a
// matcher that stops at the first hit reads little, and one that reads
// them all holds a window, not the flow's messages.
const messageWindow = 64

// hasMessages reports whether f is a WebSocket flow with stored messages.
func (s *Store) hasMessages(f *Flow) bool {
	if f.Kind != WebSocket {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.msgStats[f.ID]
	return st != nil && st.Stored > 0
}

// matchWithMessages asks m about f, the caller's own copy, with
// f.Messages set for the time of the call when the flow has messages.
func (s *Store) matchWithMessages(m Matcher, f *Flow) bool {
	if !s.hasMessages(f) {
		return m.Match(f)
	}
	f.Messages = s.eachMessage(f.ID)
	hit := m.Match(f)
	f.Messages = nil
	return hit
}

// eachMessage yields the messages of a flow a window at a time; a read
// error is reported once and ends them.
func (s *Store) eachMessage(id string) iter.Seq[Message] {
	return func(yield func(Message) bool) {
		for off := 0; ; off += messageWindow {
			list, err := s.Messages(id, off, messageWindow)
			if err != nil {
				s.report(fmt.Errorf("match messages: %w", err))
				return
			}
			for _, m := range list {
				if !yield(m) {
					return
				}
			}
			if len(list) < messageWindow {
				return
			}
		}
	}
}

// Match asks m about f as List would: a matcher that needs bodies sees
// f's WebSocket messages through Flow.Messages (on a copy: f is not
// changed). For callers that match flows the proxy hands them, such as
// siphon dump's printer.
func (s *Store) Match(m Matcher, f *Flow) bool {
	if m == nil {
		return true
	}
	if bodies, _ := needs(m); !bodies || !s.hasMessages(f) {
		return m.Match(f)
	}
	c := *f
	return s.matchWithMessages(m, &c)
}
