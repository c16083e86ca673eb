package load

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/coder/websocket"
)

// Stream opens one WebSocket to u, a /wsstream endpoint that sends n
// numbered messages of size bytes as fast as it can and then closes, and
// reads them all. Each message counts as a request; Elapsed runs from the
// first message to the close, so RPS is messages per second. A message
// out of order, of the wrong size, or a stream that ends early is an
// error.
func Stream(ctx context.Context, t Target, u string, n, size int) (*Result, error) {
	c, closeWS, err := dialWS(ctx, t, u)
	if err != nil {
		return nil, err
	}
	defer closeWS()
	c.SetReadLimit(int64(size) + 1)
	res := &Result{}
	var first time.Time
	fail := func(err error) {
		res.Errors++
		if res.FirstErr == "" {
			res.FirstErr = err.Error()
		}
	}
	for {
		typ, data, err := c.Read(ctx)
		if err != nil {
			if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
				fail(fmt.Errorf("after %d messages: %w", res.Requests, err))
			}
			break
		}
		if first.IsZero() {
			first = time.Now()
		}
		want := uint64(res.Requests)
		res.Requests++
		res.Bytes += int64(len(data))
		if typ != websocket.MessageBinary || len(data) != size || binary.BigEndian.Uint64(data) != want {
			fail(fmt.Errorf("message %d: %d bytes, not the one sent", want, len(data)))
		}
		if res.Requests > n {
			fail(fmt.Errorf("more than the %d messages sent", n))
			break
		}
	}
	if !first.IsZero() {
		res.Elapsed = time.Since(first)
	}
	if res.Requests < n && res.Errors == 0 {
		fail(fmt.Errorf("stream closed after %d of %d messages", res.Requests, n))
	}
	return res, nil
}
