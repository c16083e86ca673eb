package mitm

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/google/martian/v3"
	"github.com/siphonproxy/siphon/session"
)

// acceptLoop serves a Reverse or SOCKS5 listener: each connection gets its
// own goroutine for the handshake (a SOCKS negotiation, a peek at the
// first byte), bounded by handshakeTimeout, before it joins martian or the
// HTTP/2 front end like a CONNECT tunnel's.
func (p *Proxy) acceptLoop(l net.Listener, lm *listenMode) error {
	var backoff time.Duration
	for {
		c, err := l.Accept()
		if err != nil {
			var te interface{ Temporary() bool }
			if errors.As(err, &te) && te.Temporary() {
				// Out of file descriptors (EMFILE is Temporary, not a
				// Timeout), say: try again shortly, as net/http's server
				// does, for as long as it lasts.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				select {
				case <-time.After(backoff):
				case <-p.ctx.Done():
					return err
				}
				continue
			}
			return err
		}
		backoff = 0
		cc := p.accepted(c, lm)
		cc.opaque()
		go func() {
			switch lm.Kind {
			case Reverse:
				p.serveReverse(cc, lm)
			case SOCKS5:
				p.serveSOCKS(cc)
			}
		}()
	}
}

// serveReverse starts a reverse-mode connection: a TLS handshake (the
// first byte is 22) is terminated with a leaf for the SNI, or for the
// listen host when there is none; anything else is taken for plain HTTP.
// Requests then go through martian (or the HTTP/2 front end), where
// fixTarget sends them to the target.
func (p *Proxy) serveReverse(cc *clientConn, lm *listenMode) {
	st := cc.state
	st.mu.Lock()
	// A tunnel's requests are authorized already and never siphon's own
	// page: a reverse listener's are the target's.
	st.connectHost = lm.Target.Host
	st.mu.Unlock()
	br := bufio.NewReader(cc.Conn)
	cc.Conn.SetReadDeadline(time.Now().Add(handshakeTimeout))
	stop := p.closeOnShutdown(cc)
	first, err := br.Peek(1)
	stop()
	cc.Conn.SetReadDeadline(time.Time{})
	if err != nil {
		cc.Close()
		return
	}
	ahead := drain(br)
	if first[0] != tlsHandshakeByte {
		p.reserveConn(cc, cc.Conn, ahead)
		return
	}
	p.terminateTLS(cc, ahead, lm.Target.Host, lm.host)
}

// refuseConnect answers a CONNECT sent to a reverse listener with 405: a
// reverse listener stands in for one server, and must not become an open
// forward proxy (it asks for no credentials). The refusal is a flow.
func (p *Proxy) refuseConnect(ctx *martian.Context, req *http.Request, st *connState) {
	res := p.refusedConnect(req, st)
	res.Close = true
	conn, brw, err := ctx.Session().Hijack()
	if err != nil {
		return
	}
	res.Write(brw)
	brw.Flush()
	conn.Close()
}

// refusedConnect records the refusal of a CONNECT a reverse listener got
// (over HTTP/1.1 or as an HTTP/2 stream) as a failed flow, and returns the
// 405 that explains it to the client.
func (p *Proxy) refusedConnect(req *http.Request, st *connState) *http.Response {
	q := connectRequest(req.URL.Host)
	q.Proto = req.Proto
	f := st.newFlow(session.HTTP, q, session.Now())
	f.State = session.Failed
	f.Err = &session.Error{Phase: session.PhaseClient, Msg: "CONNECT " + req.URL.Host + " refused: this is a reverse proxy for " + st.lm.Target.String(),
		Hint: "send proxy clients to a regular or socks5 listener"}
	f.Timings.Complete = session.Now()
	p.cfg.Recorder.Add(f)
	return textResponse(req, http.StatusMethodNotAllowed, "siphon: this is a reverse proxy for "+st.lm.Target.String()+"; it does not tunnel CONNECT\n")
}

// closeOnShutdown closes cc's connection when Shutdown starts, until stop
// is called: Shutdown must not wait for a handshake to time out.
func (p *Proxy) closeOnShutdown(cc *clientConn) (stop func() bool) {
	return context.AfterFunc(p.ctx, func() { cc.Conn.Close() })
}

// tlsHandshakeByte opens every TLS connection: a handshake record.
const tlsHandshakeByte = 22

// terminateTLS completes the TLS handshake of a client whose first bytes
// (ahead) are read already (a CONNECT tunnel's, a reverse or SOCKS5
// listener's), with a leaf for the SNI or fallbackHost, and hands the
// decrypted connection to the HTTP/2 front end (h2) or martian. target
// names the connection in a failed handshake's flow, which the captured
// ClientHello helps explain; Shutdown cuts a handshake in progress.
func (p *Proxy) terminateTLS(cc *clientConn, ahead []byte, target, fallbackHost string) {
	st := cc.state
	var hello *tls.ClientHelloInfo
	tlsConn := tls.Server(&prefixConn{Conn: cc.Conn, r: prefixed(ahead, cc.Conn)}, &tls.Config{
		GetCertificate: p.cfg.Minter.GetCertificate(fallbackHost),
		NextProtos:     []string{"h2", "http/1.1"},
		GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
			hello = h
			return nil, nil
		},
	})
	start := session.Now()
	hctx, cancel := context.WithTimeout(p.ctx, handshakeTimeout)
	err := tlsConn.HandshakeContext(hctx)
	cancel()
	if err != nil {
		p.recordHandshakeFailure(st, target, start, err, hello)
		cc.Close()
		return
	}
	cs := tlsConn.ConnectionState()
	st.mu.Lock()
	st.tls, st.tlsStart, st.tlsDone = &cs, start, session.Now()
	st.mu.Unlock()
	if cs.NegotiatedProtocol == "h2" {
		p.serveH2(cc, tlsConn)
		return
	}
	p.reserveConn(cc, tlsConn, nil)
}
