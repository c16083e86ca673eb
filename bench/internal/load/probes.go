package load

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// Hosts fetches u once per name, in order, each over a new connection whose
// TLS handshake presents that name (u's host is where the bytes go; the
// name is the SNI the client sends and verifies). Through a MITM proxy,
// a name it has not seen costs a certificate mint.
func Hosts(ctx context.Context, t Target, u string, names []string, want int64) *Result {
	res := &Result{}
	buf := make([]byte, 64<<10)
	start := time.Now()
	for _, name := range names {
		if ctx.Err() != nil {
			break
		}
		tr := t.transport(false, 1, name)
		began := time.Now()
		n, _, err := fetch(ctx, &http.Client{Transport: tr}, u, want, buf, false)
		res.add(time.Since(began), n, err)
		tr.CloseIdleConnections()
	}
	res.Elapsed = time.Since(start)
	res.finish()
	return res
}

// FirstEvents requests the server-sent event stream at u n times, one
// after another on a kept-alive connection, and measures the time from
// sending each request to reading its first event. Each stream is read to
// its end and must carry events events.
func FirstEvents(ctx context.Context, t Target, u string, n, events int) *Result {
	tr := t.transport(true, 1, "")
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	res := &Result{}
	start := time.Now()
	for range n {
		if ctx.Err() != nil {
			break
		}
		first, size, err := firstEvent(ctx, client, u, events)
		res.add(first, size, err)
	}
	res.Elapsed = time.Since(start)
	res.finish()
	return res
}

func firstEvent(ctx context.Context, c *http.Client, u string, events int) (time.Duration, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, 0, err
	}
	began := time.Now()
	res, err := c.Do(req)
	if err != nil {
		return time.Since(began), 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return time.Since(began), 0, fmt.Errorf("status %s", res.Status)
	}
	br := bufio.NewReader(res.Body)
	var first time.Duration
	var size int64
	seen := 0
	for {
		line, err := br.ReadString('\n')
		size += int64(len(line))
		if strings.HasPrefix(line, "data:") {
			if seen == 0 {
				first = time.Since(began)
			}
			seen++
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return first, size, fmt.Errorf("read events: %w", err)
		}
	}
	if seen != events {
		return first, size, fmt.Errorf("stream carried %d events, want %d", seen, events)
	}
	return first, size, nil
}

// Echo opens one WebSocket to u (ws:// or wss://) and measures n round
// trips of a size-byte binary message, each checked against what was sent.
func Echo(ctx context.Context, t Target, u string, n, size int) (*Result, error) {
	c, closeWS, err := dialWS(ctx, t, u)
	if err != nil {
		return nil, err
	}
	defer closeWS()
	msg := bytes.Repeat([]byte{'w'}, size)
	res := &Result{}
	start := time.Now()
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		msg[0] = byte(i)
		began := time.Now()
		err := c.Write(ctx, websocket.MessageBinary, msg)
		var got []byte
		if err == nil {
			_, got, err = c.Read(ctx)
		}
		if err == nil && !bytes.Equal(got, msg) {
			err = errors.New("echo differs from the message sent")
		}
		res.add(time.Since(began), int64(len(got)), err)
		if err != nil {
			break // the connection is unusable after a failed read or write
		}
	}
	res.Elapsed = time.Since(start)
	res.finish()
	c.Close(websocket.StatusNormalClosure, "done")
	return res, nil
}

// dialWS opens one uncompressed WebSocket to u through t; done closes it
// and the transport's idle connections.
func dialWS(ctx context.Context, t Target, u string) (c *websocket.Conn, done func(), err error) {
	tr := t.transport(true, 1, "")
	c, _, err = websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPClient:      &http.Client{Transport: tr},
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		tr.CloseIdleConnections()
		return nil, nil, fmt.Errorf("websocket dial %s: %w", u, err)
	}
	return c, func() { c.CloseNow(); tr.CloseIdleConnections() }, nil
}
