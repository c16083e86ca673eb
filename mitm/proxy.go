// Package mitm is siphon's capturing proxy: an HTTP/1.1 forward proxy on
// google/martian that terminates CONNECT tunnels with certificates minted
// on the fly, tunnels ignored hosts untouched, streams server-sent events
// and WebSockets, and records every exchange (failures included) as a
// session.Flow. A Decider (the intercept rules and breakpoints) may pass,
// edit, answer, drop, throttle or pause each HTTP flow. It is the only
// package that imports martian.
//
// The files follow a flow's path: proxy.go and conn.go (listen, client
// connections), connect.go (CONNECT, TLS, passthrough tunnels), the front
// ends (front.go; front_http1.go on martian, front_h2.go on Go's HTTP/2
// server), request_step.go, roundtrip.go, response_step.go, then
// delivery (deliver_http1.go, deliver_h2.go). Beside the path: capture.go
// (the flow's record, body capture), pause.go (breakpoints), shape.go
// (throttling), tunnel.go (upgraded connections), pages.go, auth.go.
package mitm

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"time"

	"github.com/google/martian/v3"
	mlog "github.com/google/martian/v3/log"
	"github.com/siphonproxy/siphon/certs"
	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/onboard"
	"github.com/siphonproxy/siphon/session"
)

// DefaultBodyLimit is how much of each body is captured unless configured.
const DefaultBodyLimit = 16 << 20

// Config configures a Proxy. Recorder and Minter are required.
type Config struct {
	Recorder Recorder
	// Minter mints the leaves of intercepted hosts; its CA certificate (never
	// the key) is served at http://siphon.cert/.
	Minter *certs.Minter
	// BodyLimit caps the bytes of each body kept in a flow; bytes beyond it
	// still reach the client. Zero means DefaultBodyLimit.
	BodyLimit int64
	// IgnoreHosts are matched against a CONNECT's host:port; matching
	// tunnels pass through untouched.
	IgnoreHosts []*regexp.Regexp
	// Passthrough, when set, holds hosts whose tunnels pass through
	// untouched too; it may change while the proxy runs (see Passthrough).
	// AutoPassthrough adds a host to it after the first TLS handshake a
	// client rejects, noting it on the failed flow's comment.
	Passthrough     *Passthrough
	AutoPassthrough bool
	// Insecure turns off upstream certificate verification.
	Insecure bool
	// RootCAs verifies upstream servers; nil means the system roots.
	RootCAs *x509.CertPool
	// Upstream, when set, is another proxy all traffic goes through:
	// http:// or https:// (spoken to over TLS), whose userinfo becomes
	// Proxy-Authorization, or socks5:// or socks5h:// (host names resolved
	// by siphon, or sent for the proxy to resolve), whose userinfo is sent
	// as RFC 1929 credentials.
	Upstream *url.URL
	// Auth, when set, is required of clients as Basic proxy credentials.
	Auth *Credentials
	// DialContext opens upstream connections; nil means a net.Dialer. Tests
	// inject one to simulate DNS failures without looking up real names.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// UpstreamTimeout bounds the wait for an upstream's response headers
	// once the request is sent. Zero means no limit: siphon waits as long
	// as the client does, and a client that hangs up cancels the request.
	UpstreamTimeout time.Duration
	// Logger receives the proxy's own warnings; nil discards them.
	Logger *slog.Logger
	// Decider, when set, is asked about every HTTP flow twice: once its
	// request headers are in (before anything goes upstream) and once its
	// response headers are in (before anything goes to the client). It
	// may pass, edit, answer (mock), drop or pause the flow; see
	// intercept.Decider. An *intercept.Engine is one; intercept.Chain
	// combines several. Calls block only the flow's own connection.
	// Tunnels, WebSocket traffic after the upgrade, and siphon's own pages
	// are not asked about.
	Decider intercept.Decider

	// KeepAltSvc keeps the Alt-Svc alternatives that advertise HTTP/3 in
	// the responses clients get. By default siphon removes them (a
	// browser would move the origin to QUIC over UDP, which siphon does
	// not see); the flow records the origin's header either way.
	KeepAltSvc bool

	// bodyIdle bounds each wait for more of a request body siphon reads
	// to answer itself; zero means bodyIdleTime. Tests shorten it.
	bodyIdle time.Duration
	// handshakeIdle bounds a SOCKS5 handshake; zero means
	// handshakeTimeout. sniffWait bounds the wait for a SOCKS client's
	// first bytes in its tunnel; zero means sniffWait. Tests shorten them.
	handshakeIdle time.Duration
	sniffWait     time.Duration
	// h1Idle is how long siphon's own HTTP/1.1 client keeps an unused
	// origin connection; zero means h1IdleTimeout. Tests shorten it.
	h1Idle time.Duration
}

var errShutdown = errors.New("siphon is shutting down")

// Credentials are a proxy user name and password.
type Credentials struct{ User, Pass string }

// Proxy is a running capturing proxy. It is safe for concurrent use.
type Proxy struct {
	cfg       Config
	mp        *martian.Proxy
	transport *http.Transport
	h1        *h1Pool // bodiless plain-HTTP requests (see h1Pool)
	rt        *tracedTransport
	inner     *chanListener
	// h2 serves client connections that negotiated HTTP/2, handed to it
	// through streams.
	h2      *http.Server
	streams *chanListener
	log     *slog.Logger

	// ctx ends when Shutdown starts: it releases paused flows and cuts
	// mock delays short.
	ctx  context.Context
	stop context.CancelCauseFunc

	copyBufs sync.Pool // *[]byte of copyBufSize, for clientConn.ReadFrom

	mu      sync.Mutex
	conns   map[string]*connState // by client remote address
	lns     []net.Listener
	selfs   []string // host:port forms that reach this proxy
	closing bool
	serving sync.WaitGroup

	page *onboard.Page // the certificate page (siphon.cert, siphon's own address)
	ws   wsConns       // open WebSocket connections, for InjectMessage

	closeOnce sync.Once
	closed    chan struct{} // closed when martian has stopped
}

// New builds a proxy from cfg; it starts serving with Serve.
func New(cfg Config) (*Proxy, error) {
	if cfg.Recorder == nil || cfg.Minter == nil {
		return nil, errors.New("mitm: Config needs a Recorder and a Minter")
	}
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.bodyIdle <= 0 {
		cfg.bodyIdle = bodyIdleTime
	}
	if cfg.handshakeIdle <= 0 {
		cfg.handshakeIdle = handshakeTimeout
	}
	if cfg.sniffWait <= 0 {
		cfg.sniffWait = sniffWait
	}
	if cfg.UpstreamTimeout < 0 {
		return nil, fmt.Errorf("mitm: negative UpstreamTimeout %v", cfg.UpstreamTimeout)
	}
	if cfg.DialContext == nil {
		cfg.DialContext = (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// martian logs to stderr by default, which would corrupt a TUI; its
	// failures reach the user as flows instead.
	mlog.SetLevel(mlog.Silent)

	p := &Proxy{cfg: cfg, log: log, conns: map[string]*connState{}, closed: make(chan struct{})}
	page, err := onboard.New(cfg.Minter.CA())
	if err != nil {
		return nil, fmt.Errorf("certificate page: %w", err)
	}
	p.page = page
	p.copyBufs.New = func() any { b := make([]byte, copyBufSize); return &b }
	p.ctx, p.stop = context.WithCancelCause(context.Background())
	p.transport = &http.Transport{
		// No ProxyFromEnvironment: a user's HTTPS_PROXY pointing at siphon
		// would send siphon into itself.
		Proxy:       nil,
		DialContext: cfg.DialContext,
		TLSClientConfig: &tls.Config{
			RootCAs:            cfg.RootCAs,
			InsecureSkipVerify: cfg.Insecure,
		},
		// Go would otherwise add Accept-Encoding: gzip and decode behind
		// our back, so the client would not get the origin's bytes.
		DisableCompression:    true,
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: cfg.UpstreamTimeout,
		// siphon answers 100-continue itself (see expectContinue).
		ExpectContinueTimeout: 0,
	}
	// Origins that offer h2 get it, whatever the client speaks; the others
	// HTTP/1.1. A WebSocket upgrade always goes over HTTP/1.1.
	p.transport.Protocols = new(http.Protocols)
	p.transport.Protocols.SetHTTP1(true)
	p.transport.Protocols.SetHTTP2(true)
	// A download moves at most one stream window per round trip to the
	// origin: Go's 4 MiB caps one at 40 MiB/s 100 ms away, below what a
	// browser gets alone (Chrome's window is 6 MiB). A window is also what
	// siphon holds of a download its client reads slower than the origin
	// sends (12 MiB of heap at 16 MiB, bench/RESULTS.md). The connection's
	// window stays Go's 1 GiB, so that streams of clients sharing a pooled
	// origin connection do not wait on each other's unread data.
	p.transport.HTTP2 = &http.HTTP2Config{MaxReceiveBufferPerStream: 8 << 20}
	p.h1 = newH1Pool(cfg.DialContext, cfg.h1Idle)
	p.rt = &tracedTransport{base: p.transport, p: p}
	p.h2 = p.newStreamServer(log)
	p.mp = martian.NewProxy()
	p.mp.SetRoundTripper(p.rt)
	if err := p.useUpstream(cfg.Upstream); err != nil {
		return nil, err
	}
	p.mp.SetRequestModifier(martian.RequestModifierFunc(p.modifyRequest))
	p.mp.SetResponseModifier(martian.ResponseModifierFunc(p.modifyResponse))
	return p, nil
}

// Serve accepts client connections on l as a Regular (forward) proxy
// until l is closed or Shutdown is called. It may be called for several
// listeners.
func (p *Proxy) Serve(l net.Listener) error { return p.ServeMode(l, Mode{}) }

// ServeMode accepts client connections on l in mode m until l is closed or
// Shutdown is called. It may be called for several listeners, in any mix
// of modes: they share one recorder, one Decider and one shutdown.
func (p *Proxy) ServeMode(l net.Listener, m Mode) error {
	lm, err := newListenMode(m, l.Addr())
	if err != nil {
		return err
	}
	p.mu.Lock()
	if p.closing {
		p.mu.Unlock()
		return net.ErrClosed
	}
	p.lns = append(p.lns, l)
	p.selfs = append(p.selfs, selfAddrs(l.Addr())...)
	if p.inner == nil {
		p.inner = newChanListener(l.Addr())
		p.streams = newChanListener(l.Addr())
		p.serving.Add(2)
		go func() {
			defer p.serving.Done()
			p.mp.Serve(p.inner)
		}()
		go func() {
			defer p.serving.Done()
			p.h2.Serve(p.streams)
		}()
	}
	p.mu.Unlock()
	if m.Kind != Regular {
		err = p.acceptLoop(l, lm)
	} else {
		err = p.mp.Serve(&acceptListener{Listener: l, p: p, lm: lm})
	}
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections, releases flows paused at
// breakpoints, lets in-flight exchanges finish until ctx is done, then
// closes every client connection. Calling it again waits for the same end.
func (p *Proxy) Shutdown(ctx context.Context) error {
	p.stop(errShutdown)
	p.mu.Lock()
	p.closing = true
	for _, l := range p.lns {
		l.Close()
	}
	if p.inner != nil {
		p.inner.Close()
		p.streams.Close()
	}
	p.mu.Unlock()

	// martian's Close may run only once.
	p.closeOnce.Do(func() {
		go func() {
			// HTTP/2 clients get a GOAWAY; their streams in flight finish.
			h2done := make(chan struct{})
			go func() {
				p.h2.Shutdown(context.Background())
				close(h2done)
			}()
			p.mp.Close()
			p.serving.Wait()
			<-h2done
			close(p.closed)
		}()
	})
	var err error
	select {
	case <-p.closed:
	case <-ctx.Done():
		err = fmt.Errorf("shutdown: %w", ctx.Err())
		p.closeAll()
		<-p.closed
	}
	p.transport.CloseIdleConnections()
	p.h1.close()
	return err
}

func (p *Proxy) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.conns {
		s.raw.Close()
	}
}

func (p *Proxy) track(s *connState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conns[s.remote] = s
}

func (p *Proxy) forget(s *connState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns[s.remote] == s {
		delete(p.conns, s.remote)
	}
}

func (p *Proxy) stateOf(remote string) *connState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conns[remote]
}

// acceptListener wraps each accepted connection in a clientConn.
type acceptListener struct {
	net.Listener
	p  *Proxy
	lm *listenMode
}

func (l *acceptListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return l.p.accepted(c, l.lm), nil
}

// accepted starts tracking a client connection a listener in mode lm
// accepted.
func (p *Proxy) accepted(c net.Conn, lm *listenMode) *clientConn {
	s := &connState{accepted: session.Now(), remote: c.RemoteAddr().String(), raw: c, lm: lm}
	cc := &clientConn{Conn: c, state: s, proxy: p}
	s.current = cc
	p.track(s)
	return cc
}

// selfAddrs lists the host:port forms under which a listener is reached,
// so that requests addressed to siphon itself are answered, not forwarded
// back into it.
func selfAddrs(a net.Addr) []string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return []string{a.String()}
	}
	port := fmt.Sprint(tcp.Port)
	hosts := []string{"localhost", tcp.IP.String()}
	if tcp.IP.IsUnspecified() || tcp.IP.IsLoopback() {
		hosts = append(hosts, "127.0.0.1", "::1")
	}
	if tcp.IP.IsUnspecified() {
		if addrs, err := net.InterfaceAddrs(); err == nil {
			for _, a := range addrs {
				if n, ok := a.(*net.IPNet); ok {
					hosts = append(hosts, n.IP.String())
				}
			}
		}
	}
	out := make([]string, 0, len(hosts))
	for _, h := range hosts {
		out = append(out, net.JoinHostPort(h, port))
	}
	return out
}

func (p *Proxy) isSelf(hostport string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.selfs {
		if s == hostport {
			return true
		}
	}
	return false
}
