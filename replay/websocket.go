package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/siphonproxy/siphon/session"
)

// ErrMessageTruncated: a client message of a WebSocket stops at the
// capture limit (or was stored without its payload), so the conversation
// cannot be sent again as it was.
var ErrMessageTruncated = errors.New("replay: WebSocket message truncated at the capture limit")

// maxTail bounds how long a replayed conversation whose client never sent
// a close waits, after its last message, for the server before closing.
const maxTail = 30 * time.Second

// handshakeHeaders are set by the WebSocket handshake itself: a new key,
// and extensions and subprotocols negotiated anew.
var handshakeHeaders = []string{"Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Accept",
	"Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol", "Content-Length"}

// MessageReader reads a flow's WebSocket messages a window at a time;
// *session.Store is one.
type MessageReader interface {
	Messages(flowID string, offset, n int) ([]session.Message, error)
}

// ClientMessages reads the messages the client sent on WebSocket flow id,
// in order, a window at a time: the server's, which a replay does not
// send, are left out, so that a long download stays out of memory.
func ClientMessages(r MessageReader, id string) ([]session.Message, error) {
	const window = 1024
	var out []session.Message
	for off := 0; ; off += window {
		msgs, err := r.Messages(id, off, window)
		if err != nil {
			return nil, fmt.Errorf("read messages of flow %s: %w", id, err)
		}
		for _, m := range msgs {
			if m.Dir == session.Up {
				out = append(out, m)
			}
		}
		if len(msgs) < window {
			return out, nil
		}
	}
}

// SendWebSocket re-opens f's WebSocket through siphon (the same URL and
// end-to-end headers, a new Sec-WebSocket-Key; permessage-deflate and
// subprotocols offered as the client did) and sends the client messages
// of msgs (the flow's messages, in order; the server's are skipped) with
// their original gaps, or one after another when atOnce is set (see
// newScript). The server's messages are read and counted (Result.Size)
// as they come. A
// client close is sent as recorded; without one the connection is closed
// normally once the server has had the time it had originally. It blocks
// until the conversation ends, the Sender's timeout (plus the
// conversation's own length) passes, or ctx is done.
func (s *Sender) SendWebSocket(ctx context.Context, f *session.Flow, msgs []session.Message, atOnce bool) Result {
	res := Result{Flow: f}
	up, err := clientMessages(f, msgs)
	if err != nil {
		res.Err = err
		return res
	}
	script := newScript(f, up, atOnce)
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout+script.length())
	defer cancel()
	var local string
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { local = info.Conn.LocalAddr().String() },
	})
	start := time.Now()
	conn, resp, err := websocket.Dial(ctx, f.Request.URL, s.dialOptions(f.Request))
	if resp != nil {
		res.Status = resp.StatusCode
	}
	if err != nil {
		res.Duration = time.Since(start)
		res.Err = fmt.Errorf("replay WebSocket %s: %w", f.Request.URL, err)
		return res
	}
	// The server's messages are counted, not kept: memory stays bounded
	// whatever their size.
	conn.SetReadLimit(-1)
	var received atomic.Int64
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		for {
			_, r, err := conn.Reader(ctx)
			if err != nil {
				return
			}
			n, err := io.Copy(io.Discard, r)
			received.Add(n)
			if err != nil {
				return
			}
		}
	}()
	res.Sent, res.Err = script.run(ctx, conn)
	conn.CloseNow()
	<-readDone
	res.Size, res.Duration = received.Load(), time.Since(start)
	if s.cfg.Marker != nil && local != "" {
		id, ferr := s.cfg.Marker.latest(local)
		res.FlowID = id
		if ferr != nil && res.Err == nil {
			res.Err = ferr
		}
	}
	return res
}

// dialOptions are the handshake's: q's end-to-end headers less those the
// handshake sets, and its offers of compression and subprotocols.
func (s *Sender) dialOptions(q *session.Request) *websocket.DialOptions {
	o := &websocket.DialOptions{
		HTTPClient: &http.Client{Transport: s.transport},
		HTTPHeader: http.Header{},
	}
	for _, h := range requestHeaders(q, handshakeHeaders...) {
		if http.CanonicalHeaderKey(h.name) == "Host" {
			o.Host = h.value
			continue
		}
		o.HTTPHeader[h.name] = append(o.HTTPHeader[h.name], h.value)
	}
	for _, v := range q.Header.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				o.Subprotocols = append(o.Subprotocols, p)
			}
		}
	}
	if ext := strings.Join(q.Header.Values("Sec-WebSocket-Extensions"), ","); strings.Contains(ext, "permessage-deflate") {
		o.CompressionMode = websocket.CompressionContextTakeover
		if strings.Contains(ext, "client_no_context_takeover") {
			o.CompressionMode = websocket.CompressionNoContextTakeover
		}
	}
	return o
}

// clientMessages checks that f is a WebSocket that can be re-opened and
// returns the client's data and close messages of msgs, whole.
func clientMessages(f *session.Flow, msgs []session.Message) ([]session.Message, error) {
	if f == nil || f.Request == nil {
		return nil, ErrNoRequest
	}
	if f.Kind != session.WebSocket {
		return nil, fmt.Errorf("replay: %s flow %s is not a WebSocket", f.Kind, f.Request.URL)
	}
	if _, err := sendable(&session.Flow{Kind: session.HTTP, Request: f.Request}); err != nil {
		return nil, err
	}
	var up []session.Message
	for _, m := range msgs {
		if m.Dir != session.Up {
			continue
		}
		switch m.Opcode {
		case session.OpText, session.OpBinary, session.OpClose:
		default:
			continue // a note of a protocol error, not a message
		}
		if m.Truncated || int64(len(m.Data)) != m.Size && m.Opcode != session.OpClose {
			return nil, fmt.Errorf("%w: message %d (%d of %d bytes)", ErrMessageTruncated, m.Seq, len(m.Data), m.Size)
		}
		up = append(up, m)
	}
	return up, nil
}
