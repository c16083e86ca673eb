package mitm

import (
	"bufio"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/siphonproxy/siphon/session"
	"golang.org/x/net/http/httpguts"
)

// Trailers: fields sent after a body, where gRPC puts grpc-status and
// grpc-message. Go's servers and transports fill a message's Trailer map
// while its body is read, and hand it over complete when the body reports
// EOF, so they are captured and forwarded then:
//
//   - the flow records them at EOF (responseStep's tee, and the request
//     body's tee for the request), as a copy: the map itself is still
//     being forwarded;
//   - to HTTP/2 clients, deliver writes them;
//   - to HTTP/1.1 clients, stream writes them after the last chunk, for
//     every response of unknown length or with announced trailers (see
//     modifyResponse: martian writes a body of known length as it is, and
//     chunked trailers need chunks). An HTTP/1.1 client cannot get the
//     unannounced trailers of a response of known length (an h2 origin
//     may send such), as they are not known before the body is written;
//   - upstream, the request keeps a Trailer map the reading side fills in
//     place (see keepRequestTrailers), which the transport sends after the
//     body.

// receivedTrailer returns a copy of the trailer fields of h that arrived
// (a field announced but never sent has no values), or nil when none did.
func receivedTrailer(h http.Header) http.Header {
	var out http.Header
	for k, vv := range h {
		if len(vv) == 0 {
			continue
		}
		if out == nil {
			out = make(http.Header, len(h))
		}
		out[k] = slices.Clone(vv)
	}
	return out
}

// keepRequestTrailers gives a request whose body is sent chunked (HTTP/1.1,
// unknown length) a Trailer map of its own when the client announced none.
// The reader of the client's body then fills that map in place at the
// body's end instead of setting a new one, which the copy of the request
// that the transport sends would never see: trailers the client did not
// announce reach the origin too.
func keepRequestTrailers(req *http.Request) {
	if req.Trailer == nil && req.ContentLength < 0 {
		req.Trailer = make(http.Header)
	}
}

// noteRequestTrailer records the trailers of req, whose body has just been
// read to its end, on the flow (published with its next change). The
// client's trailers go upstream as they came, an edited request's too.
func (r *record) noteRequestTrailer(req *http.Request) {
	tr := receivedTrailer(req.Trailer)
	if tr == nil {
		return
	}
	r.touch(func(f *session.Flow) {
		if f.Request != nil {
			f.Request.Trailer = tr
		}
		if f.Original != nil {
			f.Original.Trailer = tr.Clone()
		}
	})
}

// responseTrailer is what the flow records of res's trailers once its body
// ended with err: none unless it ended whole (a transport may still be
// writing the map of a body cut short).
func responseTrailer(res *http.Response, err error) http.Header {
	if err != nil {
		return nil
	}
	return receivedTrailer(res.Trailer)
}

// announceTrailers replaces h's Trailer field with the names of the
// trailers announced before the body, as RFC 9110 asks of a sender; those
// that arrive unannounced are sent all the same (see writeLastChunk).
func announceTrailers(h, trailer http.Header) {
	h.Del("Trailer")
	var names []string
	for _, k := range slices.Sorted(maps.Keys(trailer)) {
		if forwardableTrailer(k) {
			names = append(names, k)
		}
	}
	if len(names) > 0 {
		h.Set("Trailer", strings.Join(names, ", "))
	}
}

// writeLastChunk ends a chunked body: the last chunk, the trailers that
// arrived (announced or not), and the final empty line.
func writeLastChunk(w *bufio.Writer, trailer http.Header) {
	w.WriteString("0\r\n")
	for _, k := range slices.Sorted(maps.Keys(trailer)) {
		if !forwardableTrailer(k) {
			continue
		}
		for _, v := range trailer[k] {
			if httpguts.ValidHeaderFieldValue(v) {
				w.WriteString(k + ": " + v + "\r\n")
			}
		}
	}
	w.WriteString("\r\n")
}

// forwardableTrailer reports whether a field may be sent as an HTTP/1.1
// trailer: a valid name that does not frame or route the message.
func forwardableTrailer(name string) bool {
	return httpguts.ValidHeaderFieldName(name) && httpguts.ValidTrailerHeader(name)
}
