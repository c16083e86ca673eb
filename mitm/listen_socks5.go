package mitm

import (
	"bufio"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/siphonproxy/siphon/session"
)

// SOCKS5 constants (RFC 1928, RFC 1929). The server side is siphon's own:
// it is small, and it must record every failure as a flow and hand the
// connection on mid-stream, which the Go SOCKS server libraries (built to
// dial and relay themselves) do not allow.
const (
	socksVersion   = 5
	authVersion    = 1 // RFC 1929's subnegotiation
	methodNoAuth   = 0x00
	methodUserPass = 0x02
	methodNone     = 0xff

	cmdConnect = 1

	atypIPv4   = 1
	atypDomain = 3
	atypIPv6   = 4

	repSucceeded          = 0x00
	repGeneralFailure     = 0x01
	repNetworkUnreachable = 0x03
	repHostUnreachable    = 0x04
	repConnectionRefused  = 0x05
	repCommandUnsupported = 0x07
	repAddressUnsupported = 0x08
)

// socksFailure is a handshake that ended without a tunnel: what to record.
type socksFailure struct {
	target string // host:port, when the request got that far
	msg    string
	hint   string
}

func (e *socksFailure) Error() string { return e.msg }

// serveSOCKS negotiates SOCKS5 with a client (no authentication, or
// username/password when the proxy requires credentials), then treats the
// tunnel as a CONNECT's: see socksTunnel. Every failed handshake is
// recorded as a flow. The handshake as a whole is bounded by
// handshakeTimeout, so a silent client does not hold the connection.
func (p *Proxy) serveSOCKS(cc *clientConn) {
	start := session.Now()
	cc.Conn.SetDeadline(time.Now().Add(p.cfg.handshakeIdle))
	br := bufio.NewReaderSize(cc.Conn, 512)
	stop := p.closeOnShutdown(cc)
	target, err := p.socksHandshake(br, cc.Conn)
	stop()
	if err != nil {
		var fail *socksFailure
		if !errors.As(err, &fail) {
			fail = &socksFailure{msg: "SOCKS5 handshake: " + err.Error()}
		}
		f := cc.state.newFlow(session.Tunnel, socksRequest(fail.target), start)
		f.State = session.Failed
		f.Err = &session.Error{Phase: session.PhaseClient, Msg: fail.msg, Hint: fail.hint}
		f.Timings.Complete = session.Now()
		p.cfg.Recorder.Add(f)
		cc.Close()
		return
	}
	cc.Conn.SetDeadline(time.Time{})
	p.socksTunnel(cc, br, target)
}

// socksRequest is the request snapshot of a SOCKS5 CONNECT to target.
func socksRequest(target string) *session.Request {
	return &session.Request{Method: http.MethodConnect, URL: target, Proto: "SOCKS5", Header: http.Header{}}
}

// socksHandshake reads the greeting, authenticates and reads the request,
// answering each failure with its RFC reply. It returns the CONNECT's
// host:port.
func (p *Proxy) socksHandshake(br *bufio.Reader, w io.Writer) (string, error) {
	var hdr [2]byte
	if err := readFull(br, hdr[:1], "greeting"); err != nil {
		return "", err
	}
	switch v := hdr[0]; {
	case v == 4:
		// A SOCKS4 reply: request rejected.
		w.Write([]byte{0, 0x5b, 0, 0, 0, 0, 0, 0})
		return "", &socksFailure{msg: "a SOCKS4 client: siphon speaks SOCKS5 only", hint: "use SOCKS5: curl --socks5-hostname, or socks5h:// in a proxy URL"}
	case v >= 'A' && v <= 'Z':
		body := "siphon: this listener speaks SOCKS5, not HTTP (curl --socks5-hostname HOST:PORT)\n"
		fmt.Fprintf(w, "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
		return "", &socksFailure{msg: "an HTTP request on the SOCKS5 listener", hint: "send HTTP proxy clients to a regular listener (--mode regular)"}
	case v != socksVersion:
		return "", &socksFailure{msg: fmt.Sprintf("not a SOCKS5 client: the greeting starts with 0x%02x, not 0x05", v)}
	}
	if err := readFull(br, hdr[1:], "greeting"); err != nil {
		return "", err
	}
	methods := make([]byte, hdr[1])
	if err := readFull(br, methods, "greeting"); err != nil {
		return "", err
	}
	want := byte(methodNoAuth)
	if p.cfg.Auth != nil {
		want = methodUserPass
	}
	if !hasByte(methods, want) {
		w.Write([]byte{socksVersion, methodNone})
		if want == methodUserPass {
			return "", &socksFailure{msg: "the SOCKS5 client offers no username/password authentication, which this proxy requires",
				hint: "give the client the --proxy-auth credentials: socks5h://USER:PASS@HOST:PORT"}
		}
		return "", &socksFailure{msg: fmt.Sprintf("the SOCKS5 client offers no method siphon accepts (offered % x; siphon wants 00, no authentication)", methods)}
	}
	if _, err := w.Write([]byte{socksVersion, want}); err != nil {
		return "", fmt.Errorf("SOCKS5 handshake: %w", err)
	}
	if want == methodUserPass {
		if err := p.socksAuth(br, w); err != nil {
			return "", err
		}
	}
	return socksRequestTarget(br, w)
}

// socksAuth checks RFC 1929 credentials against the proxy's.
func (p *Proxy) socksAuth(br *bufio.Reader, w io.Writer) error {
	var b [1]byte
	if err := readFull(br, b[:], "authentication"); err != nil {
		return err
	}
	if b[0] != authVersion {
		w.Write([]byte{authVersion, 1})
		return &socksFailure{msg: fmt.Sprintf("bad SOCKS5 username/password version 0x%02x (want 0x01)", b[0])}
	}
	user, err := readShort(br, "authentication")
	if err != nil {
		return err
	}
	pass, err := readShort(br, "authentication")
	if err != nil {
		return err
	}
	want := p.cfg.Auth
	userOK := subtle.ConstantTimeCompare(user, []byte(want.User)) == 1
	passOK := subtle.ConstantTimeCompare(pass, []byte(want.Pass)) == 1
	if !userOK || !passOK {
		w.Write([]byte{authVersion, 1})
		return &socksFailure{msg: fmt.Sprintf("wrong SOCKS5 credentials for user %q", user),
			hint: "the client must send the --proxy-auth USER:PASS"}
	}
	_, err = w.Write([]byte{authVersion, 0})
	return err
}

// socksRequestTarget reads a SOCKS5 request and returns its CONNECT
// target; any other command is refused.
func socksRequestTarget(br *bufio.Reader, w io.Writer) (string, error) {
	var h [4]byte // VER CMD RSV ATYP
	if err := readFull(br, h[:], "request"); err != nil {
		return "", err
	}
	if h[0] != socksVersion {
		socksReply(w, repGeneralFailure, nil)
		return "", &socksFailure{msg: fmt.Sprintf("bad SOCKS5 request: version 0x%02x, not 0x05", h[0])}
	}
	var host string
	switch h[3] {
	case atypIPv4, atypIPv6:
		ip := make(net.IP, 4)
		if h[3] == atypIPv6 {
			ip = make(net.IP, 16)
		}
		if err := readFull(br, ip, "request"); err != nil {
			return "", err
		}
		host = ip.String()
	case atypDomain:
		name, err := readShort(br, "request")
		if err != nil {
			return "", err
		}
		if len(name) == 0 {
			socksReply(w, repGeneralFailure, nil)
			return "", &socksFailure{msg: "bad SOCKS5 request: an empty domain name"}
		}
		host = string(name)
	default:
		socksReply(w, repAddressUnsupported, nil)
		return "", &socksFailure{msg: fmt.Sprintf("bad SOCKS5 request: address type 0x%02x does not exist", h[3])}
	}
	var port [2]byte
	if err := readFull(br, port[:], "request"); err != nil {
		return "", err
	}
	target := net.JoinHostPort(host, strconv.Itoa(int(binary.BigEndian.Uint16(port[:]))))
	if h[1] != cmdConnect {
		socksReply(w, repCommandUnsupported, nil)
		return "", &socksFailure{target: target, msg: fmt.Sprintf("SOCKS5 %s to %s is not supported: siphon serves CONNECT only", socksCommand(h[1]), target)}
	}
	return target, nil
}

func socksCommand(c byte) string {
	switch c {
	case 2:
		return "BIND"
	case 3:
		return "UDP ASSOCIATE"
	}
	return fmt.Sprintf("command 0x%02x", c)
}

// socksReply sends a reply with the bound address bnd (0.0.0.0:0 when nil).
func socksReply(w io.Writer, rep byte, bnd net.Addr) error {
	ip, port := net.IPv4zero.To4(), 0
	if tcp, ok := bnd.(*net.TCPAddr); ok {
		ip, port = tcp.IP, tcp.Port
	}
	b := []byte{socksVersion, rep, 0, atypIPv4}
	if ip4 := ip.To4(); ip4 != nil {
		b = append(b, ip4...)
	} else {
		b[3] = atypIPv6
		b = append(b, ip.To16()...)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(port))
	_, err := w.Write(b)
	return err
}

// readFull reads len(b) bytes of the handshake's part what.
func readFull(r io.Reader, b []byte, what string) error {
	if _, err := io.ReadFull(r, b); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return &socksFailure{msg: "the client closed the connection in the middle of the SOCKS5 " + what}
		}
		if isTimeout(err) {
			return &socksFailure{msg: "the client stopped sending in the middle of the SOCKS5 " + what}
		}
		return fmt.Errorf("SOCKS5 %s: %w", what, err)
	}
	return nil
}

// readShort reads a length byte and that many bytes.
func readShort(br *bufio.Reader, what string) ([]byte, error) {
	var n [1]byte
	if err := readFull(br, n[:], what); err != nil {
		return nil, err
	}
	b := make([]byte, n[0])
	return b, readFull(br, b, what)
}

func hasByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}
