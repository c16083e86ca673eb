package wsmsg

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"

	"github.com/siphonproxy/siphon/session"
)

// deflateTail ends every compressed message; senders strip it (RFC 7692
// section 7.2.1) and the receiver appends it back.
var deflateTail = []byte{0x00, 0x00, 0xff, 0xff}

// errBomb stops a decompression that passed the inflate limit.
var errBomb = errors.New("inflate limit reached")

// streamThreshold is how much of a compressed message is buffered before
// it is inflated as it arrives instead: small messages (nearly all) are
// inflated at their end on the relay's goroutine, large ones stream
// through a pipe to a goroutine, so neither the compressed nor the
// decompressed message is ever held whole.
const streamThreshold = 256 << 10

// decoder decompresses the messages of one direction. Memory is the
// capped payload, the sliding window, the inflater's state and at most
// streamThreshold bytes of compressed input.
type decoder struct {
	takeover     bool // the sender keeps its context between messages
	windowSize   int
	limit        int
	inflateLimit int64

	window  []byte // the last output (up to 2 windows), with takeover
	lost    string // why the context is lost; later messages are not decoded
	fr      io.ReadCloser
	copyBuf []byte

	buf       []byte // the message's compressed bytes, while not streaming
	br        bytes.Reader
	streaming bool
	pw        *io.PipeWriter
	result    chan inflated

	skipped bool // this message is not decoded (lost context)
	raw     []byte
	rawSize int64

	// Output of the message being inflated.
	data []byte
	size int64
}

// inflated is the outcome of one message's decompression.
type inflated struct {
	data      []byte
	size      int64
	truncated bool
	note      string
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
	d.skipped, d.streaming, d.buf = d.lost != "", false, d.buf[:0]
	d.raw, d.rawSize = nil, 0
}

// write takes the next compressed bytes of the message.
func (d *decoder) write(p []byte) {
	switch {
	case d.skipped:
		d.rawSize += int64(len(p))
		if room := d.limit - len(d.raw); room > 0 {
			d.raw = append(d.raw, p[:min(room, len(p))]...)
		}
	case d.streaming:
		d.pw.Write(p) // returns once taken; the inflater always reads to the end
	case len(d.buf)+len(p) > streamThreshold:
		pr, pw := io.Pipe()
		d.pw, d.streaming = pw, true
		d.reset(pr)
		go func() {
			r := d.inflate()
			io.Copy(io.Discard, pr)
			d.result <- r
		}()
		d.pw.Write(d.buf)
		d.pw.Write(p)
		if cap(d.buf) > 64<<10 {
			d.buf = nil
		}
	default:
		d.buf = append(d.buf, p...)
	}
}

// finish ends the message and returns its decompressed payload. complete
// is false when the message was cut short (its output is partial, and the
// context is lost).
func (d *decoder) finish(complete bool) inflated {
	if d.skipped {
		return inflated{data: d.raw, size: d.rawSize, truncated: int64(len(d.raw)) < d.rawSize,
			note: "compressed payload kept as is: " + d.lost}
	}
	var r inflated
	if d.streaming {
		if complete {
			d.pw.Write(deflateTail)
		}
		d.pw.Close()
		d.pw, d.streaming = nil, false
		r = <-d.result
	} else {
		if complete {
			d.buf = append(d.buf, deflateTail...)
		}
		d.br.Reset(d.buf)
		d.reset(&d.br)
		r = d.inflate()
	}
	switch {
	case r.broken && d.takeover:
		d.lost = "an earlier message in this direction could not be decompressed"
	case !complete && d.takeover:
		d.lost = "an earlier message in this direction ended before its last frame"
	}
	return r
}

// stop abandons a message being inflated on its goroutine.
func (d *decoder) stop() {
	if d.streaming {
		d.pw.CloseWithError(io.ErrUnexpectedEOF)
		d.pw, d.streaming = nil, false
		<-d.result
	}
}

// reset points the inflater at src, with the window as its dictionary
// under context takeover.
func (d *decoder) reset(src io.Reader) {
	var dict []byte
	if d.takeover {
		dict = d.window[max(0, len(d.window)-d.windowSize):]
	}
	if d.fr == nil {
		d.fr = flate.NewReaderDict(src, dict)
	} else {
		d.fr.(flate.Resetter).Reset(src, dict) // copies dict
	}
}

// inflate decompresses the message from the inflater; it runs on the
// relay's goroutine or, for a streamed message, on its own.
func (d *decoder) inflate() inflated {
	if d.copyBuf == nil {
		d.copyBuf = make([]byte, 16<<10)
	}
	d.data, d.size = nil, 0
	_, err := io.CopyBuffer(outputOf{d}, d.fr, d.copyBuf)
	r := inflated{data: d.data, size: d.size, truncated: int64(len(d.data)) < d.size}
	d.data = nil
	switch {
	case errors.Is(err, errBomb):
		r.truncated, r.broken = true, true
		r.note = fmt.Sprintf("deflate bomb: the message expands past %d bytes; decompression stopped there", d.inflateLimit)
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
		r.broken = true
		r.note = "bad permessage-deflate data: " + err.Error()
	}
	return r
}

// outputOf receives a decoder's decompressed output (a type of its own so
// that io.CopyBuffer cannot use another interface of the decoder).
type outputOf struct{ d *decoder }

func (o outputOf) Write(p []byte) (int, error) {
	d := o.d
	if d.size+int64(len(p)) > d.inflateLimit {
		d.size = d.inflateLimit
		return 0, errBomb
	}
	d.size += int64(len(p))
	if room := d.limit - len(d.data); room > 0 {
		d.data = append(d.data, p[:min(room, len(p))]...)
	}
	if d.takeover {
		d.remember(p)
	}
	return len(p), nil
}

// remember keeps the last windowSize bytes of output in a buffer of two
// windows, sliding it back when full.
func (d *decoder) remember(p []byte) {
	ws := d.windowSize
	if d.window == nil {
		d.window = make([]byte, 0, 2*ws)
	}
	if len(p) >= ws {
		d.window = append(d.window[:0], p[len(p)-ws:]...)
		return
	}
	if len(d.window)+len(p) > 2*ws {
		keep := d.window[len(d.window)-(ws-len(p)):]
		d.window = append(d.window[:0], keep...)
	}
	d.window = append(d.window, p...)
}
