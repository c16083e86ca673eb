package mitm

import (
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/session"
)

// Recorder receives flows as they change. Add is called once per flow (and
// assigns its ID and Seq), Update after each change, AddMessage for each
// WebSocket message of a flow as it is relayed (between its Add and its
// final Update). All are called on the proxy's hot path and must not block
// on I/O; session.Store satisfies it. Implementations must copy what they
// keep of f (the proxy goes on changing it), but for its header and
// trailer maps and body bytes: the proxy never modifies those once it has
// handed them over (it replaces a map instead), so they may be kept as
// they are, as a session.Store opened with Options.ShareHeaders does. A
// message's Data is theirs.
type Recorder interface {
	Add(f *session.Flow)
	Update(f *session.Flow) error
	AddMessage(flowID string, m session.Message) error
}

// record is the proxy's working copy of one flow. The connection goroutine,
// the transport's trace hooks and body readers all change it, so every
// change goes through update, which publishes a snapshot.
type record struct {
	mu      sync.Mutex
	f       *session.Flow
	out     Recorder
	final   bool
	reqBody capturedBody // the client's request body, captured as it is read
	// ownBody is set when an edit replaced the request body: the captured
	// body is then the Original's, and f.Request keeps the edited one.
	ownBody bool
	shape   *intercept.Throttle // set by a decision; nil: full speed
	later   *time.Timer         // publishes changes made by touch; see publishLater
	growth  *time.Timer         // publishes a stream's body so far; see publishGrowth
	// published is how much of the stream's body publishGrowth last
	// scheduled for publication.
	published int64
	// held, when set, takes the final snapshot until the response is
	// written to the client (see heldFlows).
	held *heldFlows
}

func newRecord(out Recorder, f *session.Flow) *record {
	r := &record{f: f, out: out}
	out.Add(f)
	return r
}

// update applies fn and publishes the result, unless the flow has already
// reached a final state (a late body read after a failure, say).
func (r *record) update(fn func(f *session.Flow)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.final {
		return
	}
	fn(r.f)
	r.out.Update(r.f)
}

// touch changes the flow without publishing; for trace hooks whose moments
// are published with the next update.
func (r *record) touch(fn func(f *session.Flow)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fn(r.f)
}

// publishLater publishes the flow as it stands after d, unless it is
// final by then. Each published snapshot costs a copy of the flow and a
// store update: a response whose body follows its headers at once reaches
// the store as one snapshot, and one that takes longer still shows its
// status after d.
func (r *record) publishLater(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.final || r.later != nil {
		return
	}
	r.later = time.AfterFunc(d, func() { r.update(func(*session.Flow) {}) })
}

// publishGrowth publishes the response body captured so far in c after a
// while, unless the flow is final by then or a publication is already
// due: the events of a server-sent stream show up while it is open
// instead of when it ends. Each publication writes the body so far to the
// session, so the pause grows with the body (100 ms for every 256 KiB,
// at least 100 ms): a long stream costs the disk a few MB/s at most.
func (r *record) publishGrowth(c *capture) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.final || r.growth != nil {
		return
	}
	held := c.captured()
	if held == r.published && held > 0 {
		// The capture limit is reached: the stored body would not
		// change, only its size, which the end records.
		return
	}
	r.published = held
	d := growthPause * time.Duration(1+held/(256<<10))
	r.growth = time.AfterFunc(d, func() {
		r.update(func(f *session.Flow) {
			if f.Response != nil {
				f.Response.Body = c.body()
			}
		})
		r.mu.Lock()
		r.growth = nil
		r.mu.Unlock()
	})
}

// growthPause is the least time between publications of a growing
// stream: about the UI's refresh interval.
const growthPause = 100 * time.Millisecond

// snapshot returns a copy of the flow as it stands.
func (r *record) snapshot() *session.Flow {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.f.Clone()
}

// setShape notes a throttle; the first one set wins.
func (r *record) setShape(t *intercept.Throttle) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.shape == nil && t != nil {
		c := *t
		r.shape = &c
	}
}

func (r *record) shaping() *intercept.Throttle {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.shape
}

func (r *record) done() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.final
}

// finish completes the flow once. It fails with err, or with an error
// noted earlier (a client that stopped sending its body); otherwise the
// flow is Done.
func (r *record) finish(err *session.Error) { r.finishWith(nil, err) }

// finishWith applies fn (when not nil) and completes the flow as finish
// does, publishing both as one snapshot.
func (r *record) finishWith(fn func(f *session.Flow), err *session.Error) {
	r.mu.Lock()
	if r.final {
		r.mu.Unlock()
		return
	}
	f := r.f
	if fn != nil {
		fn(f)
	}
	if r.later != nil {
		r.later.Stop()
	}
	if r.growth != nil {
		r.growth.Stop()
	}
	f.Timings.Complete = session.Now()
	if r.reqBody != nil {
		body := r.reqBody.captured()
		if f.Original != nil {
			f.Original.Body = body
		}
		if !r.ownBody {
			f.Request.Body = body
		}
	}
	if f.Err == nil {
		f.Err = err
	}
	f.State = session.Done
	if f.Err != nil {
		f.State = session.Failed
	}
	r.final = true
	h := r.held
	if h == nil {
		r.out.Update(f)
	}
	r.mu.Unlock()
	if h != nil && !h.hold(r) {
		r.publishHeld()
	}
}

func snapshotRequest(req *http.Request) *session.Request {
	return &session.Request{
		Method: req.Method,
		URL:    req.URL.String(),
		Proto:  req.Proto,
		Header: req.Header.Clone(),
		Body:   session.Body{Size: max(req.ContentLength, 0)},
	}
}

func snapshotResponse(res *http.Response) *session.Response {
	r := responseHead(res)
	r.Header = res.Header.Clone()
	return r
}

// capture keeps the first limit bytes of a body and counts the rest.
type capture struct {
	mu        sync.Mutex
	limit     int64
	data      []byte
	size      int64
	truncated bool
}

// newCapture keeps up to limit bytes of a body of the given length (-1
// when unknown), allocating what a known length needs once: growing by
// append would allocate about four times the limit for a large download.
//
// A client's declared length is not trusted this way (see clientCapture).
func newCapture(limit, length int64) *capture {
	c := &capture{limit: limit}
	if length > 0 {
		c.data = make([]byte, 0, min(length, limit))
	}
	return c
}

func (c *capture) write(p []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.size += int64(len(p))
	room := c.limit - int64(len(c.data))
	if room <= 0 {
		c.truncated = c.truncated || len(p) > 0
		return
	}
	if int64(len(p)) > room {
		p = p[:room]
		c.truncated = true
	}
	if need := len(c.data) + len(p); need > cap(c.data) {
		// Grow by doubling, but never past the limit.
		grown := make([]byte, len(c.data), min(max(2*cap(c.data), need, 4096), int(c.limit)))
		copy(grown, c.data)
		c.data = grown
	}
	c.data = append(c.data, p...)
}

// Write captures p; it never fails.
func (c *capture) Write(p []byte) (int, error) {
	c.write(p)
	return len(p), nil
}

// clientCapture keeps up to limit bytes of a client's request body: the
// bytes are allocated as they come, since a Content-Length the client
// declares and never sends must not cost the capture limit in memory.
func clientCapture(limit int64) *capture { return newCapture(limit, -1) }

// captured is how many bytes c holds.
func (c *capture) captured() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return int64(len(c.data))
}

func (c *capture) body() session.Body {
	c.mu.Lock()
	defer c.mu.Unlock()
	return session.Body{Data: c.data, Size: c.size, Truncated: c.truncated}
}

// tee is a body that captures what passes through it (unless cap is nil)
// and reports how it ended: end(nil) at EOF, end(err) on a read error,
// end(errClosedEarly) when closed before EOF. end runs once.
type tee struct {
	rc   io.ReadCloser
	cap  *capture
	end  func(err error)
	once sync.Once
	// grew, when set, is called after bytes are captured (a stream's
	// body published as it grows).
	grew func()
}

var errClosedEarly = io.ErrClosedPipe

func (t *tee) Read(p []byte) (int, error) {
	n, err := t.rc.Read(p)
	if n > 0 && t.cap != nil {
		t.cap.write(p[:n])
		if t.grew != nil {
			t.grew()
		}
	}
	if err == io.EOF {
		t.once.Do(func() { t.end(nil) })
	} else if err != nil {
		t.once.Do(func() { t.end(err) })
	}
	return n, err
}

func (t *tee) Close() error {
	t.once.Do(func() { t.end(errClosedEarly) })
	return t.rc.Close()
}

func bodyError(err error) *session.Error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errClosedEarly):
		return &session.Error{Phase: session.PhaseClient, Msg: "the client closed the connection before the response was complete"}
	default:
		return &session.Error{Phase: session.PhaseUpstream, Msg: "the server's response broke off: " + err.Error()}
	}
}
