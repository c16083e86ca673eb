package wsintercept

import (
	"time"

	"github.com/siphonproxy/siphon/session"
)

// pausedShape is any struct laid out as PausedMessage:
// intercept.PausedMessage is one.
type pausedShape interface {
	~struct {
		ID       string
		FlowID   string
		Dir      session.Direction
		Opcode   session.Opcode
		Data     []byte
		Since    time.Time
		Deadline time.Time
		By       string
	}
}

// Source is the intercept engine's side of message breakpoints, with its
// own type of paused message (*intercept.Engine).
type Source[P pausedShape] interface {
	PausedMessages() []P
	ForwardMessage(id string, data []byte) error
	DropMessage(id string) error
	BreakMessages(flowID string, on bool)
	BreakingMessages(flowID string) bool
	Changed() <-chan struct{}
}

// Adapt returns src as an Engine: ui.New calls Adapt(engine) on the
// intercept engine, whose P is inferred. A nil src gives nil.
func Adapt[P pausedShape](src Source[P]) Engine {
	if src == nil {
		return nil
	}
	return adapted[P]{src}
}

type adapted[P pausedShape] struct{ Source[P] }

func (a adapted[P]) PausedMessages() []PausedMessage {
	in := a.Source.PausedMessages()
	out := make([]PausedMessage, len(in))
	for i, p := range in {
		out[i] = PausedMessage(p)
	}
	return out
}
