package grpcmsg

import (
	"encoding/binary"
	"fmt"
	"net/http"
	"strings"
)

// Limits of Split: captured bodies come from the network, and one body
// may hold millions of empty messages or a compression bomb.
const (
	// MaxMessages is how many messages Split keeps from one body; the
	// rest are counted in Body.Omitted.
	MaxMessages = 10000
	// MaxMessageSize bounds one decompressed message.
	MaxMessageSize = 64 << 20
	// maxDecompressed bounds all the decompressed messages of one body.
	maxDecompressed = 256 << 20
)

// prefixLen is the length of a message's prefix: a flags byte and a
// big-endian uint32 length.
const prefixLen = 5

// Flag bits of a message prefix.
const (
	flagCompressed = 0x01
	flagTrailer    = 0x80 // gRPC-Web: the frame holds the trailers
)

// Message is one length-prefixed message of a body.
type Message struct {
	// Offset is where the message's prefix starts in the body (in the
	// decoded bytes for gRPC-Web text).
	Offset int
	// Compressed is the prefix's flag: the payload was compressed with
	// the body's grpc-encoding.
	Compressed bool
	// WireSize is the payload's length on the wire.
	WireSize int
	// Data is the payload, decompressed. When Err is set it is the payload
	// as it came, or the part decompressed before the limit.
	Data []byte
	// Err says why the payload could not be decompressed: an unsupported
	// grpc-encoding, corrupt data, or a message beyond MaxMessageSize.
	Err error
}

// Body is a gRPC body split into its messages.
type Body struct {
	Framing Framing
	// Encoding is the grpc-encoding the compressed messages use ("" for
	// identity).
	Encoding string
	// Codec is how the messages are encoded, from the Content-Type's
	// suffix: "proto" (the default), "json", ... Split sets "proto".
	Codec    string
	Messages []Message
	// Omitted counts the complete messages beyond MaxMessages.
	Omitted int
	// Trailer holds gRPC-Web's trailer frame, parsed as header lines; nil
	// for plain gRPC (whose trailers are HTTP trailers) or when the frame
	// is missing.
	Trailer http.Header
	// Cut describes the message the body ends in the middle of; nil when
	// the body ends between messages.
	Cut *Cut
	// Err is a problem that stopped the split before the end of the
	// body: gRPC-Web text that is not base64, or bytes after the
	// trailer frame. The messages before it are kept.
	Err error
}

// Cut is a message the body ends in the middle of.
type Cut struct {
	Index int // its 0-based position among the body's messages
	// Have is how many payload bytes the body holds; Want is the length
	// its prefix announces, or -1 when the prefix itself is cut.
	Have, Want int
	// Truncated says why it is cut: the capture limit (true), or the body
	// simply ended (a stream reset, an interrupted call).
	Truncated bool
}

// String says which message is cut, how much of it is there, and why.
func (c *Cut) String() string {
	var b strings.Builder
	if c.Want < 0 {
		fmt.Fprintf(&b, "message %d cut short in its 5-byte prefix", c.Index+1)
	} else {
		fmt.Fprintf(&b, "message %d cut short: %d of %d bytes", c.Index+1, c.Have, c.Want)
	}
	if c.Truncated {
		b.WriteString(" (the body was truncated at the capture limit)")
	} else {
		b.WriteString(" (the body ended early)")
	}
	return b.String()
}

// Split splits a body of the given framing into its messages,
// decompressing those flagged as compressed with encoding (the
// grpc-encoding header: gzip, deflate, zstd or identity). truncated says
// the body was cut at the capture limit, for the Cut note. Split never
// fails as a whole: what it cannot read is reported in the Body and its
// Messages. NotGRPC is read as GRPC.
func Split(data []byte, fr Framing, encoding string, truncated bool) *Body {
	return split(data, fr, encoding, truncated, true)
}

// split is Split; without messages it only finds the trailer frame and
// the cut, leaving Messages empty.
func split(data []byte, fr Framing, encoding string, truncated, messages bool) *Body {
	b := &Body{Framing: fr, Encoding: normEncoding(encoding), Codec: "proto"}
	if fr == WebText {
		var err error
		if data, err = decodeText(data); err != nil {
			b.Err = err
		}
	}
	budget := maxDecompressed
	scanFrames(data, func(off int, flags byte, payload []byte, want int) bool {
		if want != frameWhole {
			b.Cut = &Cut{Index: len(b.Messages) + b.Omitted, Have: len(payload), Want: want, Truncated: truncated}
			return false
		}
		if flags&flagTrailer != 0 && fr != GRPC && fr != NotGRPC {
			b.Trailer = trailerFrame(b, flags, payload)
			if rest := len(data) - (off + prefixLen + len(payload)); rest > 0 && b.Err == nil {
				b.Err = fmt.Errorf("grpcmsg: %d bytes after the gRPC-Web trailer frame", rest)
			}
			return false
		}
		if !messages {
			return true
		}
		if len(b.Messages) >= MaxMessages {
			b.Omitted++
			return true
		}
		m := Message{Offset: off, Compressed: flags&flagCompressed != 0, WireSize: len(payload), Data: payload}
		if m.Compressed {
			m.Data, m.Err = decompress(b.Encoding, payload, min(MaxMessageSize, budget))
			budget -= len(m.Data)
			if m.Err != nil && m.Data == nil {
				m.Data = payload
			}
		}
		b.Messages = append(b.Messages, m)
		return true
	})
	return b
}

// scanFrames calls fn for each length-prefixed frame of data in order
// until fn returns false. Complete frames have want frameWhole. A frame
// cut short is passed last, with the bytes of its payload that are there
// and want set to the length its prefix announces, or -1 (payload nil)
// when the prefix itself is cut.
func scanFrames(data []byte, fn func(off int, flags byte, payload []byte, want int) bool) {
	off := 0
	for off < len(data) {
		rest := data[off:]
		if len(rest) < prefixLen {
			fn(off, rest[0], nil, -1)
			return
		}
		n := binary.BigEndian.Uint32(rest[1:prefixLen])
		if uint64(n) > uint64(len(rest)-prefixLen) {
			fn(off, rest[0], rest[prefixLen:], int(n))
			return
		}
		end := prefixLen + int(n)
		if !fn(off, rest[0], rest[prefixLen:end:end], frameWhole) {
			return
		}
		off += end
	}
}

// frameWhole is the want of a complete frame in scanFrames.
const frameWhole = -2

// trailerFrame parses gRPC-Web's trailer frame: header lines
// "name: value" separated by CRLF.
func trailerFrame(b *Body, flags byte, payload []byte) http.Header {
	if flags&flagCompressed != 0 {
		data, err := decompress(b.Encoding, payload, MaxMessageSize)
		if err != nil {
			b.Err = fmt.Errorf("grpcmsg: gRPC-Web trailer frame: %w", err)
			return nil
		}
		payload = data
	}
	h := http.Header{}
	for _, line := range strings.Split(string(payload), "\n") {
		name, value, ok := strings.Cut(strings.TrimSuffix(line, "\r"), ":")
		if !ok || strings.TrimSpace(name) == "" {
			continue
		}
		h.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	return h
}

func normEncoding(enc string) string {
	enc = strings.ToLower(strings.TrimSpace(enc))
	if enc == "identity" {
		return ""
	}
	return enc
}
