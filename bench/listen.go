package main

import (
	"context"
	"net"
	"strings"

	"golang.org/x/net/proxy"

	"github.com/siphonproxy/siphon/bench/internal/load"
)

// via is how a scenario's clients reach the origin through a proxy:
// the proxy's listening mode, the same for siphon and mitmdump.
type via int

const (
	viaForward via = iota // an HTTP proxy: CONNECT for HTTPS (the default)
	viaReverse            // the proxy stands in for the HTTPS origin (reverse mode)
	viaSOCKS5             // a SOCKS5 proxy, TLS inside its tunnels
)

// siphonArgs are the listener arguments of siphon dump for v.
func (v via) siphonArgs(e *env) []string {
	switch v {
	case viaReverse:
		return []string{"--mode", "reverse:" + e.origin.HTTPSURL + "@127.0.0.1:0"}
	case viaSOCKS5:
		return []string{"--mode", "socks5@127.0.0.1:0"}
	}
	return []string{"--listen", "127.0.0.1:0"}
}

// mitmdumpArgs are mitmdump's mode arguments for v. It trusts the origin's
// CA upstream in every mode (startMitmdump), so no --ssl-insecure.
func (v via) mitmdumpArgs(e *env) []string {
	switch v {
	case viaReverse:
		return []string{"--mode", "reverse:" + e.origin.HTTPSURL}
	case viaSOCKS5:
		return []string{"--mode", "socks5"}
	}
	return nil
}

// leg is md's way to the origin through p. Clients trust only p's CA.
func (v via) leg(md mode, p *proxyProc) *leg {
	l := &leg{mode: md, proc: p, target: load.Target{Roots: p.roots}}
	switch v {
	case viaReverse:
		// Clients talk to the proxy as if it were the origin: no SNI (an
		// address), so the proxy's leaf is for 127.0.0.1.
		l.httpsBase = "https://" + p.url.Host
	case viaSOCKS5:
		l.target.Dial = socks5Dial(p.url.Host)
	default:
		l.target.Proxy = p.url
	}
	return l
}

// socks5Dial opens connections through the SOCKS5 proxy at addr (no
// authentication: it listens on loopback), naming the destination by its
// address as the origin's URLs do.
func socks5Dial(addr string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d, err := proxy.SOCKS5("tcp", addr, nil, &net.Dialer{})
	if err != nil {
		// SOCKS5 fails only for a nil forward dialer or bad auth.
		return func(context.Context, string, string) (net.Conn, error) { return nil, err }
	}
	return d.(proxy.ContextDialer).DialContext
}

// httpsURL is the origin's HTTPS base URL as l's clients reach it.
func (l *leg) httpsURL(e *env) string {
	if l.httpsBase != "" {
		return l.httpsBase
	}
	return e.origin.HTTPSURL
}

// siphonAddr finds the listening address in one of siphon's start-up
// lines: "siphon: proxy listening on http://ADDR", "siphon: reverse proxy
// to URL listening on http://ADDR and https://ADDR (...)" or "siphon:
// SOCKS5 proxy listening on socks5h://ADDR (...)".
func siphonAddr(line string) (string, bool) {
	if !strings.HasPrefix(line, "siphon: ") {
		return "", false
	}
	_, rest, ok := strings.Cut(line, " listening on ")
	if !ok {
		return "", false
	}
	_, rest, ok = strings.Cut(rest, "://")
	addr, _, _ := strings.Cut(rest, " ")
	return addr, ok && addr != ""
}

// over makes sc reach the proxies through v.
func (sc *scenario) over(v via) *scenario {
	sc.via = v
	return sc
}
