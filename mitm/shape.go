package mitm

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"

	"github.com/siphonproxy/siphon/session"
	"golang.org/x/time/rate"
)

// buffer reads a body ahead (up to the capture limit) so that a Decider
// can see it, and returns it with a reader that yields the same bytes,
// and then the rest, to whoever reads the body next. length is the
// declared length, -1 if unknown.
func (p *Proxy) buffer(rc io.ReadCloser, length int64) (session.Body, io.ReadCloser) {
	limit := p.cfg.BodyLimit
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	b := session.Body{Data: data, Size: int64(len(data))}
	if int64(len(data)) > limit {
		b.Data, b.Truncated, b.Size = data[:limit], true, max(length, int64(len(data)))
	}
	rest := io.Reader(rc)
	if err != nil {
		// Hand the failure on to the reader, as the body would have.
		rest = &errReader{err: err}
	}
	return b, &readCloser{Reader: io.MultiReader(bytes.NewReader(data), rest), Closer: rc}
}

type readCloser struct {
	io.Reader
	io.Closer
}

type errReader struct{ err error }

func (r *errReader) Read([]byte) (int, error) { return 0, r.err }

// throttled paces reads of rc to bits per second, to simulate a slow
// network. Each wait is for at most one chunk (about 50 ms of traffic), so
// a closed connection stops it soon; the wait is not cut by shutdown, so
// that in-flight transfers finish within the grace period as they would.
func throttled(rc io.ReadCloser, bits int64) io.ReadCloser {
	if bits <= 0 || rc == nil || rc == http.NoBody {
		return rc
	}
	perSec := float64(bits) / 8
	burst := int(min(max(perSec/20, 1), 64<<10))
	lim := rate.NewLimiter(rate.Limit(perSec), burst)
	// Start with an empty bucket: the first bytes wait like the rest.
	lim.AllowN(time.Now(), burst)
	return &throttledBody{rc: rc, lim: lim}
}

type throttledBody struct {
	rc  io.ReadCloser
	lim *rate.Limiter
}

func (t *throttledBody) Read(b []byte) (int, error) {
	if len(b) > t.lim.Burst() {
		b = b[:t.lim.Burst()]
	}
	n, err := t.rc.Read(b)
	if n > 0 {
		if werr := t.lim.WaitN(context.Background(), n); werr != nil && err == nil {
			err = werr
		}
	}
	return n, err
}

func (t *throttledBody) Close() error { return t.rc.Close() }

// sleep waits d, or until the proxy shuts down.
func (p *Proxy) sleep(d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-p.ctx.Done():
	}
}

// shapeResponse applies a throttle to a response about to go to the
// client: its latency first, then its bandwidth to the body.
func (p *Proxy) shapeResponse(res *http.Response, rec *record) {
	shape := rec.shaping()
	if shape == nil {
		return
	}
	p.sleep(shape.Latency)
	if hasBody(res) {
		res.Body = throttled(res.Body, shape.Bandwidth)
	}
}
