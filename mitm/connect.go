package mitm

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/google/martian/v3"
	"github.com/siphonproxy/siphon/session"
)

const handshakeTimeout = 10 * time.Second

// handleConnect takes over a CONNECT: the tunnel is either passed through
// untouched (ignored hosts) or terminated with a minted certificate, the
// decrypted connection going back to martian through the inner listener.
// martian's own loop for the connection then ends at a detached reader.
func (p *Proxy) handleConnect(ctx *martian.Context, req *http.Request, st *connState) {
	conn, brw, err := ctx.Session().Hijack()
	if err != nil {
		return
	}
	cc := conn.(*clientConn)
	cc.opaque()
	target := req.URL.Host
	if _, _, err := net.SplitHostPort(target); err != nil {
		target = net.JoinHostPort(target, "443")
	}
	if why := p.passReason(target); why != "" {
		p.passthrough(cc, brw, target, st, why)
		return
	}
	_, err = brw.WriteString("HTTP/1.1 200 Connection established\r\n\r\n")
	if err == nil {
		err = brw.Flush()
	}
	if err != nil {
		cc.Close()
		return
	}
	// Peek at the first byte: 22 opens a TLS handshake; anything else is
	// plain HTTP sent through the tunnel (ws:// via CONNECT, for one).
	cc.Conn.SetReadDeadline(time.Now().Add(handshakeTimeout))
	first, err := brw.Reader.Peek(1)
	cc.Conn.SetReadDeadline(time.Time{})
	if err != nil {
		cc.Close()
		return
	}
	st.mu.Lock()
	st.connectHost = target
	st.mu.Unlock()
	ahead := drain(brw.Reader)
	if first[0] != tlsHandshakeByte {
		p.reserveConn(cc, cc.Conn, ahead)
		return
	}
	host, _, _ := net.SplitHostPort(target)
	p.terminateTLS(cc, ahead, target, host)
}

// reserveConn hands conn (the client connection, possibly decrypted) back
// to martian as a fresh connection and retires cc.
func (p *Proxy) reserveConn(cc *clientConn, conn net.Conn, ahead []byte) {
	next := cc.detach(conn, ahead)
	if !p.inner.push(next) {
		next.Close()
	}
}

func (p *Proxy) recordHandshakeFailure(st *connState, target string, start session.Stamp, err error, hello *tls.ClientHelloInfo) {
	msg := err.Error()
	if strings.Contains(msg, "bad record MAC") {
		// OpenSSL clients (curl, Python) reject an unknown CA under TLS 1.3
		// with an alert Go cannot read, so say what it most likely means.
		msg += " (with TLS 1.3 this is how OpenSSL clients such as curl reject a certificate they do not trust)"
	}
	f := st.newFlow(session.HTTP, connectRequest(target), start)
	f.State = session.Failed
	f.Err = &session.Error{Phase: session.PhaseClientTLS, Msg: "TLS handshake with the client failed: " + msg, Hint: handshakeHint(err, hello)}
	f.Timings.ClientTLSStart, f.Timings.Complete = start, session.Now()
	f.Comment = p.autoPassthrough(target, err, hello)
	p.cfg.Recorder.Add(f)
}

// passthrough tunnels the client's bytes to target untouched and records
// the tunnel as one flow whose comment says why (see passReason).
func (p *Proxy) passthrough(cc *clientConn, brw *bufio.ReadWriter, target string, st *connState, why string) {
	defer cc.Close()
	f := st.newFlow(session.Tunnel, connectRequest(target), session.Now())
	f.Comment = why
	rec := newRecord(p.cfg.Recorder, f)
	dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	up, err := p.dialTunnel(dctx, target)
	cancel()
	if err != nil {
		e := classify(err, target)
		res := errorResponse(nil, e)
		res.Close = true
		res.Write(brw)
		brw.Flush()
		rec.finish(e)
		return
	}
	defer up.Close()
	rec.touch(func(f *session.Flow) {
		f.Server.Addr = up.RemoteAddr().String()
		f.Timings.ConnectDone = session.Now()
	})
	brw.WriteString("HTTP/1.1 200 Connection established\r\n\r\n")
	if err := brw.Flush(); err != nil {
		rec.finish(&session.Error{Phase: session.PhaseClient, Msg: "the client went away: " + err.Error()})
		return
	}
	stats := relay(cc.Conn, prefixed(drain(brw.Reader), cc.Conn), up, false)
	rec.finishWith(func(f *session.Flow) { f.Stream = stats }, nil)
}

// dialTunnel connects to target directly or through the upstream proxy.
func (p *Proxy) dialTunnel(ctx context.Context, target string) (net.Conn, error) {
	up := p.cfg.Upstream
	if up == nil || isSOCKS(up) { // a SOCKS upstream is the transport's dialer
		return p.transport.DialContext(ctx, "tcp", target)
	}
	addr := up.Host
	if up.Port() == "" {
		addr = net.JoinHostPort(up.Hostname(), "80")
	}
	conn, err := p.dialProxy(ctx, addr) // TLS to an https:// one
	if err != nil {
		return nil, err
	}
	if d, ok := ctx.Deadline(); ok {
		conn.SetDeadline(d)
	}
	fmt.Fprintf(conn, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n", target, target)
	if up.User != nil {
		pass, _ := up.User.Password()
		fmt.Fprintf(conn, "Proxy-Authorization: %s\r\n", basicAuth(up.User.Username(), pass))
	}
	io.WriteString(conn, "\r\n")
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("CONNECT %s via upstream proxy %s: %w", target, addr, err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		conn.Close()
		return nil, fmt.Errorf("upstream proxy %s refused CONNECT %s: %s", addr, target, res.Status)
	}
	conn.SetDeadline(time.Time{})
	if br.Buffered() > 0 {
		return &prefixConn{Conn: conn, r: prefixed(drain(br), conn)}, nil
	}
	return conn, nil
}
