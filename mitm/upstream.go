package mitm

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"

	"golang.org/x/net/proxy"
)

// useUpstream routes every upstream connection through the proxy u (nil:
// none). http:// and https:// proxies get CONNECT for tunnels and
// absolute-form requests otherwise (Go's transport speaks both, over TLS
// to an https:// proxy, verified against RootCAs). socks5:// and
// socks5h:// proxies get every connection through golang.org/x/net/proxy's
// SOCKS5 client: socks5h sends host names for the proxy to resolve,
// socks5 resolves them here first, as curl does.
func (p *Proxy) useUpstream(u *url.URL) error {
	if u == nil {
		return nil
	}
	c := *u // the port filled in below is siphon's, not the caller's
	u = &c
	p.cfg.Upstream = u
	switch u.Scheme {
	case "http", "https":
		if u.Port() == "" {
			port := "80"
			if u.Scheme == "https" {
				port = "443"
			}
			u.Host = net.JoinHostPort(u.Hostname(), port)
		}
		p.transport.Proxy = http.ProxyURL(u)
		return nil
	case "socks5", "socks5h":
	default:
		return fmt.Errorf("mitm: upstream proxy %s: want an http, https, socks5 or socks5h URL", u.Redacted())
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "1080")
	}
	var auth *proxy.Auth
	if u.User != nil {
		pass, _ := u.User.Password()
		auth = &proxy.Auth{User: u.User.Username(), Password: pass}
	}
	if _, err := proxy.SOCKS5("tcp", addr, auth, proxy.Direct); err != nil {
		return fmt.Errorf("mitm: upstream proxy %s: %w", u.Redacted(), err)
	}
	resolve := u.Scheme == "socks5"
	base := p.cfg.DialContext
	p.transport.DialContext = func(ctx context.Context, network, target string) (net.Conn, error) {
		if resolve {
			host, port, err := net.SplitHostPort(target)
			if err != nil {
				return nil, err
			}
			if net.ParseIP(host) == nil {
				ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
				if err != nil {
					return nil, err
				}
				target = net.JoinHostPort(ips[0].IP.String(), port)
			}
		}
		// The SOCKS client wraps the connection in a type without
		// CloseWrite, which a tunnel needs to pass a half-close on; once
		// the handshake is done the wrapper adds nothing, so the
		// connection it dialed is used instead.
		var raw net.Conn
		d, _ := proxy.SOCKS5("tcp", addr, auth, dialFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := base(ctx, network, addr)
			raw = c
			return c, err
		}))
		conn, err := d.(proxy.ContextDialer).DialContext(ctx, network, target)
		if err != nil {
			return nil, fmt.Errorf("via SOCKS5 proxy %s: %w", addr, err)
		}
		if raw == nil {
			return conn, nil
		}
		return raw, nil
	}
	return nil
}

// dialProxy connects to an HTTP upstream proxy at addr for a tunnel's
// CONNECT: over TLS when it is an https:// one.
func (p *Proxy) dialProxy(ctx context.Context, addr string) (net.Conn, error) {
	conn, err := p.cfg.DialContext(ctx, "tcp", addr)
	if err != nil || p.cfg.Upstream.Scheme != "https" {
		return conn, err
	}
	tconn := tls.Client(conn, &tls.Config{
		ServerName:         p.cfg.Upstream.Hostname(),
		RootCAs:            p.cfg.RootCAs,
		InsecureSkipVerify: p.cfg.Insecure,
		NextProtos:         []string{"http/1.1"},
	})
	if err := tconn.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("TLS to upstream proxy %s: %w", addr, err)
	}
	return tconn, nil
}

// isSOCKS reports whether u is a SOCKS upstream, which every connection
// (tunnels included) goes through by the transport's dialer.
func isSOCKS(u *url.URL) bool {
	return u != nil && (u.Scheme == "socks5" || u.Scheme == "socks5h")
}

// dialFunc adapts a DialContext function to the proxy package's Dialer.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

func (f dialFunc) Dial(network, addr string) (net.Conn, error) {
	return f(context.Background(), network, addr)
}

func (f dialFunc) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return f(ctx, network, addr)
}
