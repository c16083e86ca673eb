package grpcmsg

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
)

// decompress undoes a message's grpc-encoding, reading at most limit
// bytes. On error it returns what it decompressed before the error, if
// anything.
func decompress(encoding string, payload []byte, limit int) ([]byte, error) {
	var r io.Reader
	switch encoding {
	case "":
		return nil, errors.New("grpcmsg: message flagged compressed, but the call has no grpc-encoding")
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(payload))
		if err != nil {
			return nil, fmt.Errorf("grpcmsg: gunzip message: %w", err)
		}
		r = zr
	case "deflate":
		zr, err := zlib.NewReader(bytes.NewReader(payload))
		if err != nil {
			return nil, fmt.Errorf("grpcmsg: inflate message: %w", err)
		}
		r = zr
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(payload), zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(uint64(limit)+1))
		if err != nil {
			return nil, fmt.Errorf("grpcmsg: zstd message: %w", err)
		}
		defer zr.Close()
		r = zr
	default:
		return nil, fmt.Errorf("grpcmsg: unsupported grpc-encoding %q", encoding)
	}
	if limit < 0 {
		limit = 0
	}
	out, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if len(out) > limit {
		return out[:limit], fmt.Errorf("grpcmsg: %s message decompresses to more than %d bytes", encoding, limit)
	}
	if err != nil {
		return out, fmt.Errorf("grpcmsg: %s message: %w", encoding, err)
	}
	return out, nil
}

// decodeText decodes a grpc-web-text body: base64, possibly in several
// padded chunks one after another (a server may encode each frame on its
// own), with line breaks allowed. A last chunk cut short (a body cut at
// the capture limit) decodes as far as it goes; the split then reports the
// cut message. On a byte that is not base64 it returns what it decoded
// before that chunk, and an error.
func decodeText(data []byte) ([]byte, error) {
	clean := make([]byte, 0, len(data))
	for _, c := range data {
		if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
			clean = append(clean, c)
		}
	}
	out := make([]byte, 0, base64.StdEncoding.DecodedLen(len(clean)))
	done := 0
	for done < len(clean) {
		rest := clean[done:]
		end := len(rest)
		if i := bytes.IndexByte(rest, '='); i >= 0 {
			end = i
			for end < len(rest) && rest[end] == '=' {
				end++
			}
		}
		chunk := rest[:end]
		enc := base64.StdEncoding
		if chunk[len(chunk)-1] != '=' {
			// An unpadded tail: cut at the capture limit, or a writer that
			// does not pad. A lone sixth of a byte carries nothing.
			enc = base64.RawStdEncoding
			if len(chunk)%4 == 1 {
				chunk = chunk[:len(chunk)-1]
			}
		}
		buf := make([]byte, enc.DecodedLen(len(chunk)))
		n, err := enc.Decode(buf, chunk)
		if err != nil {
			var ce base64.CorruptInputError
			if errors.As(err, &ce) {
				return out, fmt.Errorf("grpcmsg: grpc-web-text body is not base64 at byte %d", done+int(ce))
			}
			return out, fmt.Errorf("grpcmsg: grpc-web-text body: %w", err)
		}
		out = append(out, buf[:n]...)
		done += end
	}
	return out, nil
}
