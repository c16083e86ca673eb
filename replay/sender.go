package replay

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/siphonproxy/siphon/session"
)

// SenderConfig configures a Sender.
type SenderConfig struct {
	// Proxy is the address (host:port) of siphon's listener. Required.
	Proxy string
	// ProxyUser and ProxyPass are sent as proxy credentials when the
	// listener requires them (--proxy-auth).
	ProxyUser, ProxyPass string
	// RootCAs verifies the certificates siphon mints for HTTPS flows: its
	// CA (certs.CA.Pool). Required for HTTPS replays.
	RootCAs *x509.CertPool
	// Marker, when set, is the Recorder in front of the proxy's store: it
	// marks the replays and tells each Result which flow captured it.
	Marker *Marker
	// Timeout bounds one exchange, response body included; two minutes
	// when zero.
	Timeout time.Duration
	// Messages, when set, returns the messages of a WebSocket flow (its
	// client's at least, in order, with their payloads): Send then
	// replays a WebSocket's conversation (SendWebSocket). Without it,
	// Send refuses WebSocket flows with ErrNotHTTP.
	Messages func(flowID string) ([]session.Message, error)
	// AtOnce makes Send replay a WebSocket's client messages one after
	// another rather than with their recorded gaps.
	AtOnce bool
}

// Sender re-sends captured requests through siphon's own listener, so that
// each replay is captured as a new flow. It does not follow redirects. It
// is safe for concurrent use.
type Sender struct {
	cfg       SenderConfig
	proxyURL  *url.URL
	transport *http.Transport // HTTP/1.1 to the listener
	// h2 holds idle transports that offer h2 to the listener, for flows a
	// client sent over HTTP/2. Each carries one exchange at a time, so no
	// two streams share a connection: the Marker tells replays apart by
	// their connection, one exchange after another.
	h2 chan *http.Transport
}

// NewSender returns a Sender for the listener at cfg.Proxy.
func NewSender(cfg SenderConfig) (*Sender, error) {
	if cfg.Proxy == "" {
		return nil, errors.New("replay: SenderConfig needs the proxy's address")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Minute
	}
	proxyURL := &url.URL{Scheme: "http", Host: cfg.Proxy}
	if cfg.ProxyUser != "" {
		proxyURL.User = url.UserPassword(cfg.ProxyUser, cfg.ProxyPass)
	}
	return &Sender{cfg: cfg, proxyURL: proxyURL, transport: newTransport(cfg, proxyURL, false),
		h2: make(chan *http.Transport, 16)}, nil
}

// newTransport returns a transport to the listener at proxyURL; with h2 it
// offers h2 and HTTP/1.1 in the TLS handshake of HTTPS requests, and the
// listener picks (h2 for a MITM'd host; what the origin speaks for a
// passthrough one).
func newTransport(cfg SenderConfig, proxyURL *url.URL, h2 bool) *http.Transport {
	dialer := &net.Dialer{Timeout: 15 * time.Second}
	t := &http.Transport{
		Proxy: http.ProxyURL(proxyURL),
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil || cfg.Marker == nil {
				return c, err
			}
			// Watch before the first byte is written, so the proxy cannot
			// record a flow from this connection before it is known.
			return &watchedConn{Conn: c, stop: cfg.Marker.watch(c.LocalAddr().String())}, nil
		},
		TLSClientConfig: &tls.Config{RootCAs: cfg.RootCAs},
		// The request is sent as captured: no Accept-Encoding of Go's own.
		DisableCompression:  true,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     30 * time.Second,
	}
	t.Protocols = new(http.Protocols)
	t.Protocols.SetHTTP1(true)
	t.Protocols.SetHTTP2(h2)
	return t
}

// transportFor returns the transport to send q with, and a func to call
// when its exchange is over. A request a client sent over HTTP/2 goes out
// over HTTP/2 when it is HTTPS; plain HTTP reaches the listener as an
// HTTP/1.1 proxy request (siphon speaks no cleartext HTTP/2).
func (s *Sender) transportFor(q *session.Request) (*http.Transport, func()) {
	if !isHTTP2(q.Proto) || !strings.HasPrefix(strings.ToLower(q.URL), "https:") {
		return s.transport, func() {}
	}
	var t *http.Transport
	select {
	case t = <-s.h2:
	default:
		t = newTransport(s.cfg, s.proxyURL, true)
	}
	return t, func() {
		select {
		case s.h2 <- t:
		default:
			t.CloseIdleConnections()
		}
	}
}

// watchedConn stops the Marker's watch when the connection closes.
type watchedConn struct {
	net.Conn
	stop func()
	once sync.Once
}

func (c *watchedConn) Close() error {
	c.once.Do(c.stop)
	return c.Conn.Close()
}

// Result is the outcome of one replay.
type Result struct {
	// Flow is the flow that was replayed (as given to Send).
	Flow *session.Flow
	// Round counts repeats from 1 (Runner); Send leaves it 0.
	Round int
	// FlowID is the ID of the flow siphon captured for the replay; empty
	// without a Marker or when the request never reached the proxy.
	FlowID string
	// Status is the response status the client received; 0 without one.
	Status int
	// Size is the number of response body bytes received; for a
	// WebSocket, the payload bytes of the server's messages.
	Size int64
	// Sent is the number of client messages a WebSocket replay sent (its
	// close included); 0 for HTTP.
	Sent int
	// Duration runs from sending the request to the end of the response
	// body, as the client saw it.
	Duration time.Duration
	// Err is why the replay failed: the request could not be sent or
	// answered, or siphon recorded the captured flow as failed (then a
	// *session.Error, and Status is siphon's 502).
	Err error
}

// Send sends f's request (bodies loaded, as Store.Get returns it) through
// siphon, reads the whole response and reports the outcome; a WebSocket's
// conversation is replayed when the config says where its messages are. It blocks
// until then, the Sender's timeout, or ctx is done.
func (s *Sender) Send(ctx context.Context, f *session.Flow) Result {
	res := Result{Flow: f}
	if f != nil && f.Kind == session.WebSocket && s.cfg.Messages != nil {
		msgs, err := s.cfg.Messages(f.ID)
		if err != nil {
			res.Err = fmt.Errorf("replay WebSocket %s: %w", f.ID, err)
			return res
		}
		return s.SendWebSocket(ctx, f, msgs, s.cfg.AtOnce)
	}
	q, err := sendable(f)
	if err != nil {
		res.Err = err
		return res
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	var local string
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { local = info.Conn.LocalAddr().String() },
	})
	req, err := newHTTPRequest(ctx, q)
	if err != nil {
		res.Err = err
		return res
	}
	start := time.Now()
	rt, done := s.transportFor(q)
	defer done()
	resp, err := rt.RoundTrip(req)
	if err != nil {
		res.Duration = time.Since(start)
		res.Err = fmt.Errorf("replay %s %s: %w", q.Method, q.URL, err)
		return res
	}
	res.Status = resp.StatusCode
	res.Size, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	res.Duration = time.Since(start)
	if err != nil {
		res.Err = fmt.Errorf("replay %s %s: read response: %w", q.Method, q.URL, err)
	}
	if s.cfg.Marker != nil && local != "" {
		id, ferr := s.cfg.Marker.latest(local)
		res.FlowID = id
		if ferr != nil && res.Err == nil {
			res.Err = ferr
		}
	}
	return res
}

// Close closes the Sender's idle connections. A replay still running when
// it is called leaves its connection idle afterwards, until
// IdleConnTimeout closes it.
func (s *Sender) Close() {
	s.transport.CloseIdleConnections()
	for {
		select {
		case t := <-s.h2:
			t.CloseIdleConnections()
		default:
			return
		}
	}
}

// newHTTPRequest builds the request to send from a snapshot: the same
// method, URL, end-to-end headers and body. Go's client adds no header
// the original lacked: an absent User-Agent is kept absent.
func newHTTPRequest(ctx context.Context, q *session.Request) (*http.Request, error) {
	var body io.Reader = http.NoBody
	if len(q.Body.Data) > 0 {
		body = bytes.NewReader(q.Body.Data)
	}
	req, err := http.NewRequestWithContext(ctx, q.Method, q.URL, body)
	if err != nil {
		return nil, fmt.Errorf("replay %s %s: %w", q.Method, q.URL, err)
	}
	req.ContentLength = int64(len(q.Body.Data))
	if req.ContentLength == 0 {
		req.Body = nil
	}
	for _, h := range requestHeaders(q, "Content-Length") {
		if http.CanonicalHeaderKey(h.name) == "Host" {
			req.Host = h.value
			continue
		}
		req.Header[h.name] = append(req.Header[h.name], h.value)
	}
	if !has(q.Header, "User-Agent") {
		req.Header["User-Agent"] = []string{""} // Go leaves out an empty one
	}
	return req, nil
}
