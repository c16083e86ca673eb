// Package wsmsg turns the bytes of one direction of a WebSocket connection
// into messages as they are relayed: a Tap parses RFC 6455 frames,
// reassembles fragmented messages and decompresses permessage-deflate
// (RFC 7692), for capture only; it reads the bytes and never blocks on
// anything but its own (bounded) work. A Relay relays one direction
// through a Tap: byte for byte while no message must be decided, frame by
// frame (holding, editing, dropping and injecting messages) once one
// must.
package wsmsg

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"unicode/utf8"

	"github.com/siphonproxy/siphon/session"
)

// DefaultLimit is the payload cap of a message when Config.Limit is not
// set: the default body limit of a flow.
const DefaultLimit = 16 << 20

// Config configures a Tap.
type Config struct {
	// Dir is the direction of the bytes: Up taps what the client sends
	// (its frames must be masked), Down what the server sends (unmasked).
	Dir session.Direction
	// Limit caps the payload kept of each message (the capture limit of
	// bodies); DefaultLimit when zero or negative. Size still counts the
	// whole payload.
	Limit int
	// InflateLimit stops decompressing a message once its output passes
	// this many bytes, so that a deflate bomb costs bounded time and
	// memory: the message is then noted as a bomb. The output past Limit
	// is only counted (and kept in the sliding window). Default: the
	// larger of 4 × Limit and 64 MiB.
	InflateLimit int64
	// Extensions are the extensions the server's Sec-WebSocket-Extensions
	// response header accepted (see ParseExtensions).
	Extensions Extensions
	// Emit receives each message (text, binary, close; and one that
	// records a protocol error) on the goroutine calling Write or Close.
	// It must not block; Data is the receiver's to keep.
	Emit func(session.Message)
	// Now is the clock of message times; session.Now when nil.
	Now func() session.Stamp
}

// Stats counts what a Tap saw. Ping and pong frames are only counted here.
type Stats struct {
	Bytes    int64 // every byte written to the tap
	Frames   int64 // complete frames
	Messages int64 // messages emitted (text, binary, close, errors)
	Pings    int64
	Pongs    int64
}

// Tap parses the frames of one direction of a WebSocket connection. Write
// and Close must be called from one goroutine (the relay's); Stats and Err
// may be called from any.
type Tap struct {
	cfg    Config
	client bool // frames must be masked

	hdr  [14]byte // header bytes of the frame being read
	hdrN int
	frame
	inFrame bool
	ctl     []byte   // payload of the control frame being read
	msg     *message // data message being reassembled, nil between messages
	scratch []byte   // unmasked copy of a chunk
	deflate *decoder // nil without permessage-deflate
	closed  bool
	// undecoded is set when the last data message was compressed and did
	// not decompress whole (a lost context, bad data, a bomb, cut short):
	// its Data is not what the receiver would get. A Relay cannot re-send
	// such a message uncompressed.
	undecoded bool

	bytes, frames, messages, pings, pongs atomic.Int64
	err                                   atomic.Pointer[string]
}

// frame is the header of the frame being read and how far its payload is.
type frame struct {
	fin    bool
	rsv1   bool
	op     session.Opcode
	masked bool
	key    [4]byte
	keyPos int
	remain uint64
}

// message is a data message being reassembled.
type message struct {
	op         session.Opcode
	compressed bool
	data       []byte
	size       int64
	truncated  bool
	note       string
}

// NewTap returns a tap for one direction of a connection.
func NewTap(cfg Config) *Tap {
	if cfg.Limit <= 0 {
		cfg.Limit = DefaultLimit
	}
	if cfg.InflateLimit <= 0 {
		cfg.InflateLimit = max(4*int64(cfg.Limit), 64<<20)
	}
	if cfg.Now == nil {
		cfg.Now = session.Now
	}
	t := &Tap{cfg: cfg, client: cfg.Dir == session.Up}
	if d := cfg.Extensions.Deflate; d != nil {
		t.deflate = newDecoder(*d, cfg.Dir, cfg.Limit, cfg.InflateLimit)
	}
	return t
}

// Stats returns the counts so far.
func (t *Tap) Stats() Stats {
	return Stats{Bytes: t.bytes.Load(), Frames: t.frames.Load(), Messages: t.messages.Load(),
		Pings: t.pings.Load(), Pongs: t.pongs.Load()}
}

// Err returns why the tap stopped parsing (a protocol error), or "" while
// it parses. After such an error only Stats.Bytes keeps counting.
func (t *Tap) Err() string {
	if p := t.err.Load(); p != nil {
		return *p
	}
	return ""
}

// Write parses p, the next bytes of the direction as relayed. It never
// fails, always consumes all of p, never modifies p and does not keep it.
func (t *Tap) Write(p []byte) (int, error) {
	return t.write(p, false), nil
}

// atBoundary reports whether the bytes so far end between data messages
// (control frames may still come): nothing of a frame or a fragmented
// message is pending, and parsing has not stopped at a protocol error.
func (t *Tap) atBoundary() bool {
	return !t.inFrame && t.hdrN == 0 && t.msg == nil && !t.closed && t.err.Load() == nil
}

// write parses p as Write does; with toBoundary it stops at the first
// message boundary (see atBoundary) and returns how much of p it took, 0
// when it already was at one.
func (t *Tap) write(p []byte, toBoundary bool) int {
	if toBoundary && t.atBoundary() {
		return 0
	}
	n := len(p)
	defer func() { t.bytes.Add(int64(n - len(p))) }()
	for len(p) > 0 && !t.closed && t.err.Load() == nil {
		if toBoundary && t.atBoundary() {
			return n - len(p)
		}
		if !t.inFrame {
			p = p[t.header(p):]
			continue
		}
		k := len(p)
		if uint64(k) > t.remain {
			k = int(t.remain)
		}
		t.payload(p[:k])
		p = p[k:]
		t.remain -= uint64(k)
		if t.remain == 0 {
			t.endFrame()
		}
	}
	if !toBoundary {
		p = p[len(p):] // a stopped tap still takes (and counts) every byte
	}
	return n - len(p)
}

// Close ends the direction: a message still being reassembled is emitted
// with a note. Calling it again does nothing.
func (t *Tap) Close() error {
	if t.closed {
		return nil
	}
	if t.err.Load() == nil && t.msg != nil {
		t.finishMessage("the connection ended before the message's last frame")
	}
	t.closed = true
	if t.deflate != nil {
		t.deflate.stop()
	}
	return nil
}

// fail records a protocol error: the message being reassembled and a
// message naming the error are emitted, and parsing stops.
func (t *Tap) fail(op session.Opcode, format string, args ...any) {
	why := fmt.Sprintf(format, args...)
	if t.msg != nil {
		t.finishMessage("cut short by a protocol error: " + why)
	}
	if t.deflate != nil {
		t.deflate.stop()
	}
	t.err.Store(&why)
	t.emit(session.Message{Opcode: op, Note: why + "; the rest of this direction is not parsed"})
}

func (t *Tap) emit(m session.Message) {
	m.Dir, m.Time = t.cfg.Dir, t.cfg.Now()
	t.messages.Add(1)
	if t.cfg.Emit != nil {
		t.cfg.Emit(m)
	}
}

// payload handles the next chunk of the current frame's payload.
func (t *Tap) payload(chunk []byte) {
	if t.masked {
		if cap(t.scratch) < len(chunk) {
			t.scratch = make([]byte, len(chunk), max(len(chunk), 4096))
		}
		buf := t.scratch[:len(chunk)]
		for i, b := range chunk {
			buf[i] = b ^ t.key[(t.keyPos+i)&3]
		}
		t.keyPos = (t.keyPos + len(chunk)) & 3
		chunk = buf
	}
	if t.op >= session.OpClose {
		t.ctl = append(t.ctl, chunk...)
		return
	}
	m := t.msg
	if m.compressed {
		t.deflate.write(chunk)
		return
	}
	m.size += int64(len(chunk))
	if room := t.cfg.Limit - len(m.data); room < len(chunk) {
		chunk = chunk[:max(room, 0)]
		m.truncated = true
	}
	m.data = append(m.data, chunk...)
}

// endFrame handles a frame whose payload is complete.
func (t *Tap) endFrame() {
	t.inFrame = false
	t.frames.Add(1)
	switch t.op {
	case session.OpPing:
		t.pings.Add(1)
	case session.OpPong:
		t.pongs.Add(1)
	case session.OpClose:
		m := closeMessage(t.ctl)
		if len(m.Data) > t.cfg.Limit {
			m.Data, m.Truncated = m.Data[:t.cfg.Limit], true
		}
		t.emit(m)
	default:
		if t.fin {
			t.finishMessage("")
		}
	}
	t.ctl = t.ctl[:0]
}

// closeMessage checks a close frame's payload (RFC 6455 section 7.4).
func closeMessage(payload []byte) session.Message {
	m := session.Message{Opcode: session.OpClose, Data: append([]byte(nil), payload...), Size: int64(len(payload))}
	if len(payload) == 0 {
		return m
	}
	code, _, ok := m.CloseStatus()
	switch {
	case !ok && len(payload) == 1:
		m.Note = "close payload of 1 byte: a status code takes 2"
	case !ok:
		m.Note = "close reason is not valid UTF-8"
	case !validCloseCode(code):
		m.Note = fmt.Sprintf("close code %d may not be sent", code)
	}
	return m
}

// validCloseCode reports whether a peer may send code (RFC 6455 section
// 7.4.1 and the IANA registry): 1005, 1006 and 1015 are never sent.
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// finishMessage emits the data message being reassembled; note, if set,
// says why it ends early.
func (t *Tap) finishMessage(note string) {
	t.undecoded = false
	m := t.msg
	t.msg = nil
	out := session.Message{Opcode: m.op, Data: m.data, Size: m.size, Truncated: m.truncated}
	var inflateNote, utf8Note string
	if m.compressed {
		r := t.deflate.finish(note == "")
		out.Data, out.Size, out.Truncated = r.data, r.size, r.truncated
		inflateNote = r.note
		t.undecoded = r.note != "" || r.truncated || note != ""
	}
	if m.op == session.OpText && !validUTF8Prefix(out.Data, out.Truncated) {
		utf8Note = "text message is not valid UTF-8"
	}
	out.Note = joinNotes(m.note, inflateNote, utf8Note, note)
	t.emit(out)
}

// validUTF8Prefix reports whether b is UTF-8, allowing a rune cut at the
// end when b was truncated.
func validUTF8Prefix(b []byte, truncated bool) bool {
	if utf8.Valid(b) {
		return true
	}
	if !truncated {
		return false
	}
	for cut := 1; cut <= 3 && cut <= len(b); cut++ {
		if utf8.Valid(b[:len(b)-cut]) {
			return true
		}
	}
	return false
}

func joinNotes(notes ...string) string {
	s := ""
	for _, n := range notes {
		if n == "" {
			continue
		}
		if s != "" {
			s += "; "
		}
		s += n
	}
	return s
}

// NewTaps returns the taps of both directions of a connection whose
// server accepted the upgrade with the given response header (for its
// Sec-WebSocket-Extensions); cfg.Dir is ignored. A malformed extensions
// header is returned as err, with taps that still parse frames but leave
// reserved bits and compressed payloads alone (noted on the messages).
func NewTaps(header http.Header, cfg Config) (up, down *Tap, err error) {
	cfg.Extensions, err = ParseExtensions(header.Values("Sec-WebSocket-Extensions")...)
	cfg.Dir = session.Up
	up = NewTap(cfg)
	cfg.Dir = session.Down
	return up, NewTap(cfg), err
}
