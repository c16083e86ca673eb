package mitm

import (
	"net"
	"net/http"
	"strings"

	"github.com/siphonproxy/siphon/session"
)

// front is what the pipeline needs of the front end that read a request
// (martian for HTTP/1.1, Go's HTTP/2 server for h2): the request and
// response steps act on a flow through it, and never see martian's types.
// Its methods run on the request's own goroutine.
type front interface {
	// answer makes siphon reply to req with res itself: the request does
	// not go upstream.
	answer(req *http.Request, res *http.Response)
	// drop ends the exchange without an answer: an HTTP/1.1 connection
	// closes, an HTTP/2 stream is reset.
	drop()
	// captureBody arranges for req's body to be captured into rec as it
	// is read, whoever reads it.
	captureBody(req *http.Request, rec *record)
	// watchHangup watches for a client that goes away while its flow is
	// paused; gone is closed when it does (nil: cannot tell). stop ends the
	// watch and must be called before the front end reads again.
	watchHangup() (gone <-chan struct{}, stop func())
}

// capturedBody is a request body as captured so far: a *clientBody
// (HTTP/1.1) or a *streamCapture (HTTP/2).
type capturedBody interface {
	captured() session.Body
}

// fixTarget completes the URL of a request read inside a tunnel: martian
// sees our wrapped connection, not a *tls.Conn, so it cannot tell HTTPS.
func (p *Proxy) fixTarget(req *http.Request, st *connState) {
	state, connectHost := st.secure()
	if state != nil {
		req.URL.Scheme = "https"
		req.TLS = state
	}
	if st.lm != nil && st.lm.Kind == Reverse {
		st.lm.rewrite(req)
		return
	}
	if connectHost == "" {
		return
	}
	if req.URL.Host == "" {
		req.URL.Host = connectHost
		return
	}
	host, port, err := net.SplitHostPort(connectHost)
	if err != nil || req.URL.Port() != "" || !strings.EqualFold(req.URL.Hostname(), host) {
		return
	}
	if (req.URL.Scheme == "https" && port != "443") || (req.URL.Scheme == "http" && port != "80") {
		req.URL.Host = connectHost
	}
}
