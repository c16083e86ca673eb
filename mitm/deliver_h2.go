package mitm

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

var errStreamClient = errors.New("the client reset the stream")

// deliver writes res to an HTTP/2 stream: a body of unknown length with
// its headers at once and a flush after each chunk (server-sent events and
// gRPC streams must not wait for their end), one of known length to a
// bodiless request as Go's server buffers it; then the trailers, announced
// before the body as far as known (gRPC's status lives there). It returns
// an error when the response could not be written whole.
func (p *Proxy) deliver(w http.ResponseWriter, res *http.Response) error {
	defer res.Body.Close() // before EOF: ends the flow as the client's failure
	h := w.Header()
	for k, vv := range res.Header {
		h[k] = append([]string(nil), vv...)
	}
	stripConnectionHeaders(h)
	h.Del("Trailer")
	// The length is res's, not its header's (which an edit may have left
	// behind), as when net/http writes a response; a HEAD response's is
	// the length its GET would have.
	isHead := res.Request != nil && res.Request.Method == http.MethodHead
	if !bodiless(res) || (isHead && res.ContentLength >= 0) {
		h.Del("Content-Length")
		if res.ContentLength >= 0 {
			h.Set("Content-Length", strconv.FormatInt(res.ContentLength, 10))
		}
	}
	announced := make(map[string]bool, len(res.Trailer))
	for k := range res.Trailer {
		h.Add("Trailer", k)
		announced[k] = true
	}
	w.WriteHeader(res.StatusCode)
	rc := http.NewResponseController(w)
	// A body of unknown length (a stream) goes out chunk by chunk, its
	// headers at once, and so does any answer to a request with a body:
	// a client still sending may get its stream reset before an answer
	// held back goes out. Otherwise the body goes out as Go's server
	// writes it (at most 4 KiB held back), the last frame ending the
	// stream: flushing each piece costs the client connection a write.
	stream := res.ContentLength < 0 || res.Request == nil || res.Request.Body != http.NoBody
	// Even then, headers go out at once only when a body or trailers
	// follow. A response that is only headers is left to the handler's
	// return, which sends them with END_STREAM: a gRPC error without
	// messages ("Trailers-Only") carries its status there, and grpc-go
	// reads headers without END_STREAM as a stream that lost its trailers.
	if stream && (hasBody(res) || len(res.Trailer) > 0) {
		if err := rc.Flush(); err != nil {
			return errStreamClient
		}
	}
	if hasBody(res) {
		bp := p.copyBufs.Get().(*[]byte)
		defer p.copyBufs.Put(bp)
		for {
			n, rerr := res.Body.Read(*bp)
			if n > 0 {
				if _, err := w.Write((*bp)[:n]); err != nil {
					return errStreamClient
				}
				if stream {
					if err := rc.Flush(); err != nil {
						return errStreamClient
					}
				}
			}
			if rerr == io.EOF {
				break
			}
			if rerr != nil {
				return rerr
			}
		}
	}
	// The body is read to its end: the transport has filled res.Trailer,
	// with trailers the origin did not announce too.
	for k, vv := range res.Trailer {
		if announced[k] {
			h[k] = vv
		} else {
			h[http.TrailerPrefix+k] = vv
		}
	}
	return nil
}

// stripConnectionHeaders removes the headers that describe one HTTP/1.1
// connection, which RFC 9113 forbids in HTTP/2: Connection and the
// headers it names, Keep-Alive, Proxy-Connection, Transfer-Encoding,
// Upgrade and TE.
func stripConnectionHeaders(h http.Header) {
	for _, v := range h.Values("Connection") {
		for _, tok := range strings.Split(v, ",") {
			if tok = strings.TrimSpace(tok); tok != "" {
				h.Del(tok)
			}
		}
	}
	for _, k := range []string{"Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade", "Te"} {
		h.Del(k)
	}
}
