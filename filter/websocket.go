package filter

import "github.com/siphonproxy/siphon/session"

// anyDir asks matchWSMessages for messages of both directions.
const anyDir = session.Direction(255)

// matchWSMessages is the WebSocket side of ~b, ~bq and ~bs, as in
// mitmproxy: a WebSocket's messages are its body, client to server for
// ~bq, server to client for ~bs. It reads them through f.Messages, which a
// Store sets for body matchers; without it there is nothing to match.
// Payloads are matched as stored (decompressed, up to the capture limit);
// a close message's payload is its status code and reason.
func matchWSMessages(t *text, f *session.Flow, dir session.Direction) bool {
	if f.Messages == nil {
		return false
	}
	for m := range f.Messages {
		if (dir == anyDir || m.Dir == dir) && t.matchBytes(m.Data) {
			return true
		}
	}
	return false
}
