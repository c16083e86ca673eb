package replay

import (
	"sync"

	"github.com/siphonproxy/siphon/session"
)

// Recorder receives the proxy's flows and their WebSocket messages;
// mitm.Recorder has this shape and *session.Store satisfies it.
type Recorder interface {
	Add(f *session.Flow)
	Update(f *session.Flow) error
	AddMessage(flowID string, m session.Message) error
}

// Marker is a Recorder that sits in front of another (the store, or the
// dump printer) and marks as Replay every flow that arrives over a
// connection a Sender opened: replays go through siphon's own listener,
// are captured and pass the same rules as any flow, and still tell
// themselves apart. It tells the Sender which flow captured each replay.
//
// Marker tells connections apart by the client address the proxy records
// (the Sender's local address), so nothing is added to the request the
// origin sees. It is safe for concurrent use.
type Marker struct {
	next Recorder

	mu    sync.Mutex
	conns map[string]*connFlows // by the Sender's local address
}

// connFlows is what a Marker knows of one replay connection: its latest
// flow (requests on one connection come one after another).
type connFlows struct {
	id     string
	err    *session.Error
	read   bool // latest has reported id
	closed bool // the connection is closed
}

// NewMarker returns a Marker that passes every flow on to next.
func NewMarker(next Recorder) *Marker {
	return &Marker{next: next, conns: map[string]*connFlows{}}
}

// Add marks f as a replay when it comes from a Sender's connection, then
// passes it on. It sets f.Source on the proxy's own copy, so that later
// Updates of the flow carry the mark too.
func (m *Marker) Add(f *session.Flow) {
	m.mu.Lock()
	c := m.conns[f.Client.Addr]
	m.mu.Unlock()
	if c != nil {
		f.Source = session.Replay
	}
	m.next.Add(f) // sets f.ID
	if c != nil {
		m.mu.Lock()
		c.id, c.err = f.ID, copyErr(f.Err)
		m.mu.Unlock()
	}
}

// Update passes f on, noting the outcome of replays.
func (m *Marker) Update(f *session.Flow) error {
	if f.Source == session.Replay {
		m.mu.Lock()
		if c := m.conns[f.Client.Addr]; c != nil && c.id == f.ID {
			c.err = copyErr(f.Err)
		}
		m.mu.Unlock()
	}
	return m.next.Update(f)
}

// AddMessage passes a WebSocket message on.
func (m *Marker) AddMessage(flowID string, msg session.Message) error {
	return m.next.AddMessage(flowID, msg)
}

func copyErr(e *session.Error) *session.Error {
	if e == nil {
		return nil
	}
	c := *e
	return &c
}

// watch starts marking flows from addr; the returned func, called when
// the connection closes, stops it. A connection the origin closed right
// after its response (Connection: close) is closed before the Sender asks
// for its flow, so the entry stays until latest has reported it.
func (m *Marker) watch(addr string) func() {
	c := &connFlows{}
	m.mu.Lock()
	m.conns[addr] = c
	m.mu.Unlock()
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		c.closed = true
		if (c.read || c.id == "") && m.conns[addr] == c {
			delete(m.conns, addr)
		}
	}
}

// latest returns the ID and error of the last flow from addr.
func (m *Marker) latest(addr string) (string, *session.Error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.conns[addr]
	if c == nil {
		return "", nil
	}
	c.read = true
	if c.closed {
		delete(m.conns, addr)
	}
	return c.id, copyErr(c.err)
}
