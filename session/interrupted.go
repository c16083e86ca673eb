package session

// The error of a flow the previous writer of a session left unfinished.
const (
	interruptedMsg  = "siphon stopped before the exchange finished"
	interruptedHint = "the siphon recording this session was stopped or killed while this flow was in flight or paused; " +
		"what the client and the origin saw is unknown: replay the flow to send it again"
)

// markInterrupted fails the flows that were pending or intercepted when the
// session's previous writer stopped: no exchange goes on across processes,
// so without this they would stay pending forever. It runs in newStore
// while this writer holds the session's lock, before anyone else can see
// the store; the flows are queued for the writer like any Update.
func (s *Store) markInterrupted() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.order {
		if st := e.state(); st != Pending && st != Intercepted {
			continue
		}
		f := e.snapshot()
		c := f.Clone() // light, like f: the writer lends it the stored headers
		c.State = Failed
		c.Err = &Error{Phase: PhaseInterrupted, Msg: interruptedMsg, Hint: interruptedHint}
		e.meta.Store(c)
		s.enqueueLocked(e)
	}
}
