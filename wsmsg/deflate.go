package wsmsg

import (
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/siphonproxy/siphon/session"
)

// Extensions are the WebSocket extensions a server accepted.
type Extensions struct {
	// Deflate holds the permessage-deflate parameters, nil when it was not
	// negotiated.
	Deflate *Deflate
	// Other is set when the server accepted an extension siphon does not
	// know: reserved bits are then not protocol errors, and messages with
	// RSV1 set (without permessage-deflate) are kept as they are, noted.
	Other bool
}

// Deflate are the negotiated parameters of permessage-deflate (RFC 7692
// section 7.1). Window bits are 8 to 15; 15 when not given.
type Deflate struct {
	ServerNoContextTakeover bool
	ClientNoContextTakeover bool
	ServerMaxWindowBits     int
	ClientMaxWindowBits     int
}

// ParseExtensions reads the Sec-WebSocket-Extensions header values of the
// server's 101 response. A malformed permessage-deflate offer is an error
// (the handshake should have failed); the extensions are then unknown, so
// the returned Extensions have Other set.
func ParseExtensions(values ...string) (Extensions, error) {
	var ext Extensions
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			params := strings.Split(item, ";")
			name := strings.ToLower(strings.TrimSpace(params[0]))
			switch name {
			case "":
				continue
			case "permessage-deflate":
			default:
				ext.Other = true
				continue
			}
			d, err := parseDeflate(params[1:])
			if err != nil {
				return Extensions{Other: true}, fmt.Errorf("parse Sec-WebSocket-Extensions %q: %w", v, err)
			}
			ext.Deflate = d
		}
	}
	return ext, nil
}

func parseDeflate(params []string) (*Deflate, error) {
	d := &Deflate{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
	for _, p := range params {
		k, v, hasValue := strings.Cut(strings.TrimSpace(p), "=")
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.Trim(strings.TrimSpace(v), `"`)
		switch k {
		case "server_no_context_takeover":
			d.ServerNoContextTakeover = true
		case "client_no_context_takeover":
			d.ClientNoContextTakeover = true
		case "server_max_window_bits", "client_max_window_bits":
			bits := 15
			if hasValue {
				n, err := strconv.Atoi(v)
				if err != nil || n < 8 || n > 15 {
					return nil, fmt.Errorf("permessage-deflate: %s=%q, want 8 to 15", k, v)
				}
				bits = n
			}
			if k == "server_max_window_bits" {
				d.ServerMaxWindowBits = bits
			} else {
				d.ClientMaxWindowBits = bits
			}
		case "":
		default:
			return nil, fmt.Errorf("permessage-deflate: unknown parameter %q", k)
		}
	}
	return d, nil
}

// deflateTail ends every compressed message; senders strip it (RFC 7692
// section 7.2.1) and the receiver appends it back.
var deflateTail = []byte{0x00, 0x00, 0xff, 0xff}

// errBomb stops a decompression that passed the inflate limit.
var errBomb = errors.New("inflate limit reached")

// decoder decompresses the messages of one direction. A message's
// compressed bytes are streamed through a pipe to a goroutine that
// inflates them as they arrive, so that neither the compressed nor the
// decompressed message is held whole: memory is the capped payload, the
// sliding window and the inflater's state.
type decoder struct {
	takeover     bool // the sender keeps its context between messages
	windowSize   int
	limit        int
	inflateLimit int64

	window  []byte // the last windowSize bytes of output, with takeover
	lost    string // why the context is lost; later messages are not decoded
	fr      io.ReadCloser
	pw      *io.PipeWriter // nil between messages
	result  chan inflated
	skipped bool // this message is not decoded (lost context)
	raw     []byte
	rawSize int64
}

// inflated is the outcome of one message's decompression.
type inflated struct {
	data      []byte
	size      int64
	truncated bool
	note      string
	window    []byte
	broken    bool // the context cannot be trusted any more
}

func newDecoder(d Deflate, dir session.Direction, limit int, inflateLimit int64) *decoder {
	takeover, bits := !d.ServerNoContextTakeover, d.ServerMaxWindowBits
	if dir == session.Up {
		takeover, bits = !d.ClientNoContextTakeover, d.ClientMaxWindowBits
	}
	return &decoder{takeover: takeover, windowSize: 1 << bits, limit: limit, inflateLimit: inflateLimit,
		result: make(chan inflated, 1)}
}

// start begins a compressed message.
func (d *decoder) start() {
	if d.lost != "" {
		d.skipped, d.raw, d.rawSize = true, nil, 0
		return
	}
	d.skipped = false
	pr, pw := io.Pipe()
	d.pw = pw
	var dict []byte
	if d.takeover {
		dict = d.window
	}
	if d.fr == nil {
		d.fr = flate.NewReaderDict(pr, dict)
	} else {
		d.fr.(flate.Resetter).Reset(pr, dict)
	}
	go d.inflate(pr, dict)
}

// write feeds the next compressed bytes of the message. It returns when
// the inflater has taken them.
func (d *decoder) write(p []byte) {
	if d.skipped {
		d.rawSize += int64(len(p))
		if room := d.limit - len(d.raw); room > 0 {
			d.raw = append(d.raw, p[:min(room, len(p))]...)
		}
		return
	}
	d.pw.Write(p) // fails only once the inflater stopped reading, which drains
}

// finish ends the message and returns its decompressed payload. complete
// is false when the message was cut short (its output is partial, and the
// context is lost).
func (d *decoder) finish(complete bool) inflated {
	if d.skipped {
		return inflated{data: d.raw, size: d.rawSize, truncated: int64(len(d.raw)) < d.rawSize,
			note: "compressed payload kept as is: " + d.lost}
	}
	if complete {
		d.pw.Write(deflateTail)
	}
	d.pw.Close()
	d.pw = nil
	r := <-d.result
	switch {
	case r.broken && d.takeover:
		d.lost = "an earlier message in this direction could not be decompressed"
	case !complete && d.takeover:
		d.lost = "an earlier message in this direction ended before its last frame"
	case d.takeover:
		d.window = r.window
	}
	return r
}

// stop abandons a message being decompressed (the tap is closing).
func (d *decoder) stop() {
	if d.pw != nil {
		d.pw.CloseWithError(io.ErrUnexpectedEOF)
		d.pw = nil
		<-d.result
	}
}

// inflate runs on its own goroutine for one message: it decompresses what
// arrives on pr, keeps the first limit bytes and the sliding window, and
// always reads pr to its end so that write never blocks for good.
func (d *decoder) inflate(pr *io.PipeReader, dict []byte) {
	s := &sink{limit: d.limit, inflateLimit: d.inflateLimit}
	if d.takeover {
		s.windowSize = d.windowSize
		s.window = append(make([]byte, 0, 2*d.windowSize), dict...)
	}
	_, err := io.Copy(s, d.fr)
	r := inflated{data: s.data, size: s.size, truncated: int64(len(s.data)) < s.size}
	if len(s.window) > s.windowSize {
		s.window = s.window[len(s.window)-s.windowSize:]
	}
	r.window = s.window
	switch {
	case errors.Is(err, errBomb):
		r.truncated, r.broken = true, true
		r.note = fmt.Sprintf("deflate bomb: the message expands past %d bytes; decompression stopped there", d.inflateLimit)
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
		r.broken = true
		r.note = "bad permessage-deflate data: " + err.Error()
	}
	io.Copy(io.Discard, pr)
	d.result <- r
}

// sink receives decompressed output.
type sink struct {
	limit        int
	inflateLimit int64
	windowSize   int
	data         []byte
	size         int64
	window       []byte
}

func (s *sink) Write(p []byte) (int, error) {
	if s.size+int64(len(p)) > s.inflateLimit {
		s.size = s.inflateLimit
		return 0, errBomb
	}
	s.size += int64(len(p))
	if room := s.limit - len(s.data); room > 0 {
		s.data = append(s.data, p[:min(room, len(p))]...)
	}
	if s.windowSize > 0 {
		if len(p) > s.windowSize {
			p = p[len(p)-s.windowSize:]
		}
		if len(s.window)+len(p) > 2*s.windowSize {
			// Slide within the buffer so it never grows past two windows.
			keep := s.window[len(s.window)-(s.windowSize-len(p)):]
			s.window = append(s.window[:0], keep...)
		}
		s.window = append(s.window, p...)
	}
	return len(p), nil
}
