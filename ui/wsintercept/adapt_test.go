package wsintercept

import (
	"testing"
	"time"

	"github.com/siphonproxy/siphon/session"
)

// enginePaused is laid out as intercept.PausedMessage, a type of the
// engine's own.
type enginePaused struct {
	ID       string
	FlowID   string
	Dir      session.Direction
	Opcode   session.Opcode
	Data     []byte
	Since    time.Time
	Deadline time.Time
	By       string
}

type source struct {
	paused []enginePaused
	calls  []string
	ch     chan struct{}
}

func (s *source) PausedMessages() []enginePaused { return s.paused }
func (s *source) ForwardMessage(id string, data []byte) error {
	s.calls = append(s.calls, "forward "+id+" "+string(data))
	return nil
}
func (s *source) DropMessage(id string) error {
	s.calls = append(s.calls, "drop "+id)
	return nil
}
func (s *source) BreakMessages(flowID string, on bool) {
	s.calls = append(s.calls, "break "+flowID)
}
func (s *source) BreakingMessages(flowID string) bool { return flowID == "f" }
func (s *source) Changed() <-chan struct{}            { return s.ch }

// Adapt infers the engine's type of paused message and converts every
// field; the other methods pass through.
func TestAdapt(t *testing.T) {
	now := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	src := &source{ch: make(chan struct{}), paused: []enginePaused{{ID: "m1", FlowID: "f", Dir: session.Down, Opcode: session.OpBinary,
		Data: []byte{1, 2}, Since: now, Deadline: now.Add(time.Minute), By: `rule "hold"`}}}
	e := Adapt(src)
	got := e.PausedMessages()
	want := PausedMessage{ID: "m1", FlowID: "f", Dir: session.Down, Opcode: session.OpBinary,
		Data: []byte{1, 2}, Since: now, Deadline: now.Add(time.Minute), By: `rule "hold"`}
	if len(got) != 1 || got[0].ID != want.ID || got[0].FlowID != want.FlowID || got[0].Dir != want.Dir ||
		got[0].Opcode != want.Opcode || string(got[0].Data) != string(want.Data) || !got[0].Since.Equal(want.Since) ||
		!got[0].Deadline.Equal(want.Deadline) || got[0].By != want.By {
		t.Fatalf("paused %+v, want %+v", got, want)
	}
	e.ForwardMessage("m1", []byte("x"))
	e.DropMessage("m2")
	e.BreakMessages("f", true)
	if !e.BreakingMessages("f") || e.Changed() != src.ch || len(src.calls) != 3 ||
		src.calls[0] != "forward m1 x" || src.calls[1] != "drop m2" || src.calls[2] != "break f" {
		t.Errorf("calls %q", src.calls)
	}
	if Adapt[enginePaused](nil) != nil {
		t.Error("Adapt(nil) is not nil")
	}
}

// PausedMsg picks one flow's messages and says which flows break.
func TestPausedMsg(t *testing.T) {
	p := PausedMsg{Messages: []PausedMessage{{ID: "1", FlowID: "a"}, {ID: "2", FlowID: "b"}, {ID: "3", FlowID: "a"}}}
	if got := p.Of("a"); len(got) != 2 || got[0].ID != "1" || got[1].ID != "3" {
		t.Errorf("Of(a) = %+v", got)
	}
	if p.BreakingFlow("a") {
		t.Error("breaking without an engine")
	}
	p.Breaking = func(id string) bool { return id == "b" }
	if !p.BreakingFlow("b") || p.BreakingFlow("a") {
		t.Error("BreakingFlow")
	}
}
