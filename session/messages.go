package session

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync/atomic"
)

// DefaultMessageCap is the number of WebSocket messages a flow stores when
// Options.MessageCap is zero; past it only counts go on.
const DefaultMessageCap = 100_000

// MessageStats counts the messages of one flow.
type MessageStats struct {
	Stored int64 // messages kept, numbered 1 to Stored
	Seen   int64 // messages added, including those past the cap
}

// Capped reports whether the flow reached the message cap: Seen-Stored
// messages were only counted.
func (m MessageStats) Capped() bool { return m.Seen > m.Stored }

// pendingMessage is a message waiting for the writer.
type pendingMessage struct {
	flowID string
	m      Message
}

// messageState is the messages' part of a Store; guarded by Store.mu.
type messageState struct {
	msgStats    map[string]*MessageStats
	msgPending  []pendingMessage // added since the last commit began
	msgInflight []pendingMessage // being written by the current commit
	msgDirty    map[string]bool  // flows whose stats changed since the last commit
	msgTable    bool             // the file has the messages tables
	// msgBytes counts the payload bytes of msgPending and msgInflight;
	// past msgMemLimit, new payloads are not kept (see AddMessage).
	msgBytes, msgMemLimit int64

	// msgCols is what readMessages selects for Action and Original, found
	// once (see actionColumns); "" until found.
	msgCols atomic.Pointer[string]
}

// messageMemLimit bounds the payload bytes waiting for the writer.
const messageMemLimit = 256 << 20

// noteBehind marks a message whose payload was not kept.
const noteBehind = "payload not kept: the session file fell behind"

func (ms *messageState) init(stats map[string]*MessageStats, table bool) {
	if stats == nil {
		stats = map[string]*MessageStats{}
	}
	ms.msgStats, ms.msgDirty, ms.msgTable = stats, map[string]bool{}, table
	ms.msgMemLimit = messageMemLimit
}

func (s *Store) messageCap() int64 {
	switch {
	case s.opts.MessageCap < 0:
		return 1<<63 - 1
	case s.opts.MessageCap == 0:
		return DefaultMessageCap
	}
	return int64(s.opts.MessageCap)
}

// AddMessage appends m to the messages of the flow with the given ID,
// setting m.Seq, and queues it for the file; past the message cap
// (Options.MessageCap) it only counts it. It never waits for the disk, and
// signals Changed. When the disk falls so far behind that 256 MiB of
// payloads wait for it, messages are stored without their payload (Size
// kept, Truncated set, and a Note that says why) until it catches up. It fails with ErrNotFound for an unknown flow and with
// ErrClosed after Close. m.Data is kept, not copied: the caller must not
// modify it afterwards.
func (s *Store) AddMessage(flowID string, m Message) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("add message to flow %s: %w", flowID, ErrClosed)
	}
	if s.lookupLocked(flowID) == nil {
		s.mu.Unlock()
		return fmt.Errorf("add message to flow %s: %w", flowID, ErrNotFound)
	}
	st := s.msgStats[flowID]
	if st == nil {
		st = &MessageStats{}
		s.msgStats[flowID] = st
	}
	st.Seen++
	if st.Stored < s.messageCap() {
		st.Stored++
		m.Seq = st.Stored
		if s.stop != nil && len(m.Data)+len(m.Original) > 0 {
			if s.msgBytes+int64(len(m.Data)+len(m.Original)) > s.msgMemLimit {
				m.Data, m.Original, m.Truncated, m.Note = nil, nil, true, joinNote(m.Note, noteBehind)
			}
			s.msgBytes += int64(len(m.Data) + len(m.Original))
		}
		s.msgPending = append(s.msgPending, pendingMessage{flowID: flowID, m: m})
	}
	if s.stop != nil {
		s.msgDirty[flowID] = true
		s.queued++
		if len(s.msgPending) >= s.opts.BatchSize {
			s.kickWriter()
		}
	}
	s.mu.Unlock()
	s.notify()
	return nil
}

// MessageStats returns the message counts of a flow (zero for a flow
// without messages or unknown).
func (s *Store) MessageStats(flowID string) MessageStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.msgStats[flowID]; st != nil {
		return *st
	}
	return MessageStats{}
}

// Messages returns up to n messages of a flow in Seq order, starting after
// the first offset ones: from memory while they are not committed, else
// from the file. A flow without messages (or unknown) has none.
func (s *Store) Messages(flowID string, offset, n int) ([]Message, error) {
	if offset < 0 || n <= 0 {
		return nil, nil
	}
	first, last := int64(offset)+1, int64(offset)+int64(n)
	// Memory first, then the file: a message leaves memory only once it is
	// committed, so each one is found in one place or both.
	s.mu.Lock()
	var out []Message
	for _, list := range [][]pendingMessage{s.msgInflight, s.msgPending} {
		for _, p := range list {
			if p.flowID == flowID && p.m.Seq >= first && p.m.Seq <= last {
				out = append(out, p.m)
			}
		}
	}
	table := s.msgTable
	s.mu.Unlock()
	if table && len(out) < n {
		stored, err := s.readMessages(context.Background(), flowID, first, last)
		if err != nil {
			return nil, fmt.Errorf("read messages of flow %s: %w", flowID, err)
		}
		have := make(map[int64]bool, len(out))
		for _, m := range out {
			have[m.Seq] = true
		}
		for _, m := range stored {
			if !have[m.Seq] {
				out = append(out, m)
			}
		}
	}
	slices.SortFunc(out, func(a, b Message) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, nil
}

// forgetMessagesLocked drops the messages of deleted flows (all when ids
// is nil) from memory; the writer deletes them from the file with the
// flows. s.mu is held.
func (s *Store) forgetMessagesLocked(ids []string) {
	if ids == nil {
		s.msgStats, s.msgDirty, s.msgPending = map[string]*MessageStats{}, map[string]bool{}, nil
		s.msgBytes = payloadBytes(s.msgInflight)
		return
	}
	gone := make(map[string]bool, len(ids))
	for _, id := range ids {
		if s.msgStats[id] != nil {
			gone[id] = true
			delete(s.msgStats, id)
			delete(s.msgDirty, id)
		}
	}
	if len(gone) > 0 {
		s.msgPending = slices.DeleteFunc(s.msgPending, func(p pendingMessage) bool { return gone[p.flowID] })
	}
	s.msgBytes = payloadBytes(s.msgPending) + payloadBytes(s.msgInflight)
}

func payloadBytes(list []pendingMessage) int64 {
	var n int64
	for _, p := range list {
		n += int64(len(p.m.Data) + len(p.m.Original))
	}
	return n
}
