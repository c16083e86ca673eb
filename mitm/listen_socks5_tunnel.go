package mitm

import (
	"bufio"
	"context"
	"errors"
	"net"
	"syscall"
	"time"

	"github.com/siphonproxy/siphon/session"
)

// sniffWait is how long siphon waits for a SOCKS client's first bytes
// before taking the tunnel for a protocol where the server speaks first
// (SMTP, SSH), which it relays untouched.
const sniffWait = time.Second

// socksTunnel serves a negotiated SOCKS5 CONNECT as handleConnect serves
// an HTTP one: an ignored host is passed through; otherwise siphon
// answers success and looks at what the client sends: a TLS handshake is
// intercepted, plain HTTP is captured, anything else is relayed to target
// as a tunnel flow with byte counts.
func (p *Proxy) socksTunnel(cc *clientConn, br *bufio.Reader, target string) {
	st := cc.state
	if why := p.passReason(target); why != "" {
		p.socksRelay(cc, drain(br), target, true, why)
		return
	}
	if err := socksReply(cc.Conn, repSucceeded, cc.Conn.LocalAddr()); err != nil {
		cc.Close()
		return
	}
	st.mu.Lock()
	st.connectHost = target
	st.mu.Unlock()
	cc.Conn.SetReadDeadline(time.Now().Add(p.cfg.sniffWait))
	stop := p.closeOnShutdown(cc)
	first, err := br.Peek(1)
	stop()
	cc.Conn.SetReadDeadline(time.Time{})
	switch {
	case err != nil && isTimeout(err):
		p.socksRelay(cc, drain(br), target, false, "not intercepted: the client sent nothing (a protocol where the server speaks first)")
		return
	case err != nil:
		cc.Close()
		return
	}
	ahead := drain(br)
	switch {
	case first[0] == tlsHandshakeByte:
		host, _, _ := net.SplitHostPort(target)
		p.terminateTLS(cc, ahead, target, host)
	case first[0] >= 'A' && first[0] <= 'Z':
		p.reserveConn(cc, cc.Conn, ahead)
	default:
		p.socksRelay(cc, ahead, target, false, "not intercepted: neither TLS nor HTTP")
	}
}

// socksRelay dials target and relays bytes both ways (ahead, read from
// the client already, first), recording a tunnel flow. reply says the client still waits for the SOCKS5 reply, which
// then tells a failed dial's cause.
func (p *Proxy) socksRelay(cc *clientConn, ahead []byte, target string, reply bool, why string) {
	defer cc.Close()
	f := cc.state.newFlow(session.Tunnel, socksRequest(target), session.Now())
	f.Comment = why // why it was not intercepted, if it was passed through
	rec := newRecord(p.cfg.Recorder, f)
	dctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	up, err := p.dialTunnel(dctx, target)
	cancel()
	if err != nil {
		if reply {
			socksReply(cc.Conn, dialReply(err), nil)
		}
		rec.finish(classify(err, target))
		return
	}
	defer up.Close()
	rec.touch(func(f *session.Flow) {
		f.Server.Addr = up.RemoteAddr().String()
		f.Timings.ConnectDone = session.Now()
	})
	if reply {
		if err := socksReply(cc.Conn, repSucceeded, up.LocalAddr()); err != nil {
			rec.finish(&session.Error{Phase: session.PhaseClient, Msg: "the client went away: " + err.Error()})
			return
		}
	}
	stats := relay(cc.Conn, prefixed(ahead, cc.Conn), up, false)
	rec.finishWith(func(f *session.Flow) { f.Stream = stats }, nil)
}

// dialReply is the SOCKS5 reply code for a failed dial.
func dialReply(err error) byte {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return repConnectionRefused
	case errors.Is(err, syscall.ENETUNREACH):
		return repNetworkUnreachable
	case errors.As(err, &dnsErr), errors.Is(err, syscall.EHOSTUNREACH), isTimeout(err):
		return repHostUnreachable
	}
	return repGeneralFailure
}
