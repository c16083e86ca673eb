package ui

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/ui/wsintercept"
)

// fakeMessages holds messages at breakpoints as the intercept engine
// does, and records what the UI resolves them with. It is safe for
// concurrent use: tests pause messages while the UI reads.
type fakeMessages struct {
	mu       sync.Mutex
	paused   []wsintercept.PausedMessage
	breaking map[string]bool
	calls    []string // "forward ID unchanged", "forward ID hex", "drop ID"
	changed  chan struct{}
	serial   int
}

func newFakeMessages() *fakeMessages {
	return &fakeMessages{breaking: map[string]bool{}, changed: make(chan struct{}, 1)}
}

func (e *fakeMessages) notify() {
	select {
	case e.changed <- struct{}{}:
	default:
	}
}

// pause holds a message as a breakpoint would, paused at since, and
// returns its pause's id.
func (e *fakeMessages) pause(flowID string, dir session.Direction, op session.Opcode, data string, since, deadline time.Time, by string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.serial++
	id := fmt.Sprintf("pm%d", e.serial)
	e.paused = append(e.paused, wsintercept.PausedMessage{ID: id, FlowID: flowID, Dir: dir, Opcode: op,
		Data: []byte(data), Since: since, Deadline: deadline, By: by})
	e.notify()
	return id
}

func (e *fakeMessages) PausedMessages() []wsintercept.PausedMessage {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.paused)
}

func (e *fakeMessages) release(id, call string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	i := slices.IndexFunc(e.paused, func(p wsintercept.PausedMessage) bool { return p.ID == id })
	if i < 0 {
		return errors.New("no such paused message")
	}
	e.paused = slices.Delete(e.paused, i, i+1)
	e.calls = append(e.calls, call)
	e.notify()
	return nil
}

func (e *fakeMessages) ForwardMessage(id string, data []byte) error {
	if data == nil {
		return e.release(id, "forward "+id+" unchanged")
	}
	return e.release(id, fmt.Sprintf("forward %s %x", id, data))
}

func (e *fakeMessages) DropMessage(id string) error { return e.release(id, "drop "+id) }

func (e *fakeMessages) BreakMessages(flowID string, on bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.breaking[flowID] = on
	e.calls = append(e.calls, fmt.Sprintf("break %s %v", flowID, on))
	e.notify()
}

func (e *fakeMessages) BreakingMessages(flowID string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.breaking[flowID]
}

func (e *fakeMessages) Changed() <-chan struct{} { return e.changed }

// called returns what the UI did so far.
func (e *fakeMessages) called() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.calls)
}

// injected is one message sent by fakeInjector.
type injected struct {
	flowID string
	dir    session.Direction
	op     session.Opcode
	data   []byte
}

// fakeInjector hands the messages it is asked to send to the test, and
// fails with err when set.
type fakeInjector struct {
	sent chan injected
	err  error
}

func (i *fakeInjector) InjectMessage(flowID string, dir session.Direction, op session.Opcode, data []byte) error {
	i.sent <- injected{flowID, dir, op, slices.Clone(data)}
	return i.err
}

var (
	_ wsintercept.Engine   = (*fakeMessages)(nil)
	_ wsintercept.Injector = (*fakeInjector)(nil)
)
