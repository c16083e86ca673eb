package wsmsg

import (
	"strconv"

	"github.com/siphonproxy/siphon/session"
)

// notDeliveredNote is added to a message the peer never got whole.
const notDeliveredNote = "not delivered: the connection closed"

// notDelivered is m as recorded when it was not delivered: a text or
// binary message nothing else was done to is recorded as dropped.
func notDelivered(m session.Message) session.Message {
	if (m.Opcode == session.OpText || m.Opcode == session.OpBinary) && m.Action == "" {
		m.Action = session.ActionDropped
	}
	m.Note = joinNotes(m.Note, notDeliveredNote)
	return m
}

// send writes b on, recording msgs, unless nothing more is to be
// delivered (see frames.gone): then msgs are recorded as not delivered. A
// failed write ends the relay: what waits is recorded as not delivered.
func (r *Relay) send(s *frames, b []byte, atBoundary bool, msgs ...session.Message) {
	if s.gone {
		r.recordUndelivered(msgs...)
		return
	}
	if r.write(b, atBoundary, msgs...) != nil {
		s.failed, s.gone = true, true
	}
}

// recordUndelivered records msgs, which were never written, as not
// delivered.
func (r *Relay) recordUndelivered(msgs ...session.Message) {
	for _, m := range msgs {
		r.cfg.Record(notDelivered(m))
	}
}

// record records what the tap emitted, as it emitted it.
func (r *Relay) record(msgs []session.Message) {
	for _, m := range msgs {
		r.cfg.Record(m)
	}
}

// undecided is the note for m, which went on without a decision because
// of why (see RelayConfig.Undecided).
func (r *Relay) undecided(m *session.Message, why string) string {
	if r.cfg.Undecided == nil {
		return ""
	}
	return r.cfg.Undecided(m, why)
}

// failedWrite records that the write carrying the last n messages
// recorded failed: a note of its own, since those messages were recorded
// before their bytes went (see write).
func (r *Relay) failedWrite(n int) {
	if n == 0 {
		return
	}
	what := "the message above"
	if n > 1 {
		what = "the " + strconv.Itoa(n) + " messages above"
	}
	r.cfg.Record(session.Message{Dir: r.tap.cfg.Dir, Time: r.tap.cfg.Now(), Opcode: session.OpContinuation,
		Note: notDeliveredNote + " (" + what + ")"})
}
