package mitm

import (
	"net/http"
	"strings"

	"github.com/siphonproxy/siphon/session"
	"github.com/siphonproxy/siphon/wsmsg"
)

// isWebSocket reports whether res switched the connection to WebSocket.
func isWebSocket(res *http.Response) bool {
	return strings.EqualFold(strings.TrimSpace(res.Header.Get("Upgrade")), "websocket")
}

// wsTaps returns the taps that turn both directions of rec's WebSocket
// into messages for the Recorder, each payload capped by the body limit.
// The Recorder never blocks (a Store queues for its writer), so the relay
// never waits on the disk. A malformed Sec-WebSocket-Extensions header is
// recorded as a message of its own: the taps still count frames but leave
// compressed payloads as they are, noted.
func (p *Proxy) wsTaps(res *http.Response, rec *record) (up, down *wsmsg.Tap) {
	rec.mu.Lock()
	id := rec.f.ID
	rec.mu.Unlock()
	out := p.cfg.Recorder
	cfg := wsmsg.Config{
		Limit: int(min(p.cfg.BodyLimit, 1<<30)),
		Emit:  func(m session.Message) { out.AddMessage(id, m) },
	}
	up, down, err := wsmsg.NewTaps(res.Header, cfg)
	if err != nil {
		out.AddMessage(id, session.Message{Dir: session.Down, Time: session.Now(), Opcode: session.OpContinuation,
			Note: "the server's Sec-WebSocket-Extensions cannot be read (" + err.Error() + "): compressed messages are kept as sent"})
	}
	return up, down
}
