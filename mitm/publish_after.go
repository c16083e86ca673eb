package mitm

import "sync"

// heldFlows holds the final snapshots of a client connection's flows until
// their responses have been written to the client. Publishing one costs a
// copy of the flow and wakes the session's writer (another thread): done
// before martian flushes the response, it lengthened every exchange by
// that much; done after, it overlaps the client reading the response and
// sending its next request.
type heldFlows struct {
	mu    sync.Mutex
	recs  []*record
	ended bool // the connection is closed: nothing is held any more
}

// hold keeps r's final snapshot until release; false when the connection
// has ended and r must publish at once.
func (h *heldFlows) hold(r *record) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ended {
		return false
	}
	h.recs = append(h.recs, r)
	return true
}

// release publishes what is held; with end set, nothing is held after.
func (h *heldFlows) release(end bool) {
	h.mu.Lock()
	h.ended = h.ended || end
	recs := h.recs
	if len(recs) == 0 {
		h.mu.Unlock()
		return
	}
	h.recs = nil
	h.mu.Unlock()
	for i, r := range recs {
		r.publishHeld()
		recs[i] = nil
	}
	if !end {
		h.mu.Lock()
		if h.recs == nil {
			h.recs = recs[:0] // reused: no allocation a flow
		}
		h.mu.Unlock()
	}
}

// holdFinal makes the flow's final snapshot wait for h's release (see
// heldFlows).
func (r *record) holdFinal(h *heldFlows) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.held = h
}

func (r *record) publishHeld() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.out.Update(r.f)
}

// Write writes to the client, then publishes the flows whose responses
// this completes (or that finished earlier).
func (c *clientConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.held.release(false)
	return n, err
}
