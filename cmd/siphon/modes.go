package main

import (
	"flag"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/siphonproxy/siphon/mitm"
)

// listenSpec is one listener to open: a --mode and its address.
type listenSpec struct {
	mode mitm.Mode
	addr string // host:port
}

// registerModes adds --mode and --keep-host.
func (o *proxyOptions) registerModes(fs *flag.FlagSet) {
	fs.Var(&o.modes, "mode", "a listener, in mitmproxy's syntax (repeatable): regular[@[HOST:]PORT] (the default: an HTTP proxy on --listen), "+
		"reverse:URL[@[HOST:]PORT] (stand in for the server at URL, HTTP and HTTPS on one port), socks5[@[HOST:]PORT] (a SOCKS5 proxy); "+
		"HOST defaults to --listen's host, PORT to its port")
	fs.BoolVar(&o.keepHost, "keep-host", false, "reverse mode: keep the client's Host header instead of setting the target's")
}

// listenSpecs parses the --mode flags; none means one regular listener on
// --listen.
func (o *proxyOptions) listenSpecs() ([]listenSpec, error) {
	if len(o.modes) == 0 {
		return []listenSpec{{addr: o.listen}}, nil
	}
	var out []listenSpec
	for _, m := range o.modes {
		spec, err := parseMode(m, o.listen)
		if err != nil {
			return nil, usagef("bad --mode %q: %v", m, err)
		}
		spec.mode.KeepHost = o.keepHost
		out = append(out, spec)
	}
	return out, nil
}

// parseMode reads one --mode: regular, reverse:URL or socks5, optionally
// followed by @PORT or @HOST:PORT; what is left out comes from listen.
func parseMode(s, listen string) (listenSpec, error) {
	var spec listenSpec
	kind, rest, _ := strings.Cut(s, ":")
	at, hasAt := "", false
	if i := strings.LastIndex(s, "@"); i >= 0 {
		at, s, hasAt = s[i+1:], s[:i], true
		kind, rest, _ = strings.Cut(s, ":")
	}
	switch kind {
	case "regular":
		spec.mode.Kind = mitm.Regular
	case "socks5":
		spec.mode.Kind = mitm.SOCKS5
	case "reverse":
		spec.mode.Kind = mitm.Reverse
		u, err := url.Parse(rest)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
			return spec, fmt.Errorf("want reverse:http://HOST[:PORT][/PATH] or reverse:https://…")
		}
		spec.mode.Target = u
		rest = ""
	default:
		return spec, fmt.Errorf("unknown mode %q: want regular, reverse:URL or socks5, each optionally @[HOST:]PORT", kind)
	}
	if rest != "" {
		return spec, fmt.Errorf("mode %s takes no argument (%q)", kind, rest)
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return spec, fmt.Errorf("bad --listen %q", listen)
	}
	switch {
	case hasAt && at == "":
		return spec, fmt.Errorf("nothing after @: want @PORT or @HOST:PORT")
	case at == "":
	case strings.Contains(at, ":"):
		if host, port, err = net.SplitHostPort(at); err != nil {
			return spec, fmt.Errorf("bad address %q: want PORT or HOST:PORT", at)
		}
	default:
		port = at
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return spec, fmt.Errorf("bad port %q", port)
	}
	spec.addr = net.JoinHostPort(host, port)
	return spec, nil
}

// describe is the start-up line of a listener at addr (its mode's name
// in parentheses, as flows record it and ~listener matches it). A lone
// regular listener's line is the one siphon has always printed, which
// test suites wait for: "siphon: proxy listening on http://ADDR".
func (l listenSpec) describe(addr net.Addr, lone bool) string {
	name := mitm.ListenerName(l.mode, addr)
	switch l.mode.Kind {
	case mitm.Reverse:
		return fmt.Sprintf("siphon: reverse proxy to %s listening on http://%s and https://%s (%s)", l.mode.Target, addr, addr, name)
	case mitm.SOCKS5:
		return fmt.Sprintf("siphon: SOCKS5 proxy listening on socks5h://%s (%s)", addr, name)
	}
	if lone {
		return "siphon: proxy listening on http://" + addr.String()
	}
	return fmt.Sprintf("siphon: proxy listening on http://%s (%s)", addr, name)
}

// listeners are the open listeners of a starting proxy.
type listeners []net.Listener

// listenAll opens every listener, or none: a port in use closes those
// opened before it.
func listenAll(specs []listenSpec) (listeners, error) {
	var out listeners
	for _, s := range specs {
		l, err := net.Listen("tcp", s.addr)
		if err != nil {
			out.Close()
			return nil, usagef("listen on %s: %v", s.addr, err)
		}
		out = append(out, l)
	}
	return out, nil
}

// Close closes every listener.
func (ls listeners) Close() {
	for _, l := range ls {
		l.Close()
	}
}

// regularAddr is the address of the first regular listener, what the
// UI tells clients to use as their HTTP proxy; "" when there is none.
func (r *running) regularAddr() string {
	for i, s := range r.specs {
		if s.mode.Kind == mitm.Regular {
			return r.addrs[i].String()
		}
	}
	return ""
}

// hasRegular reports whether specs open a regular listener.
func hasRegular(specs []listenSpec) bool {
	for _, s := range specs {
		if s.mode.Kind == mitm.Regular {
			return true
		}
	}
	return false
}
