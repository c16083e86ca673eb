package mitm

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// ModeKind is what a listener speaks to its clients.
type ModeKind int

const (
	// Regular is an HTTP forward proxy (absolute-form requests and CONNECT).
	Regular ModeKind = iota
	// Reverse stands in for one server: every request goes to Mode.Target.
	Reverse
	// SOCKS5 is a SOCKS5 proxy (RFC 1928, CONNECT only).
	SOCKS5
)

// Mode is how one listener serves its clients. The zero Mode is Regular.
type Mode struct {
	Kind ModeKind
	// Target is where a Reverse listener sends every request: its scheme,
	// host and port, and a path prefix joined before the request's path.
	Target *url.URL
	// KeepHost keeps the client's Host header on requests a Reverse
	// listener sends on; by default it is the Target's, as mitmproxy does.
	KeepHost bool
	// Name, when set, is what flows record as their listener instead of
	// the mode and port: siphon's own loopback listener for replays,
	// opened when no regular listener is, calls itself "replay".
	Name string
}

// String is the mode in mitmproxy's --mode syntax, without the address:
// "regular", "reverse:https://api.example.com", "socks5".
func (m Mode) String() string {
	switch m.Kind {
	case Reverse:
		if m.Target == nil {
			return "reverse"
		}
		return "reverse:" + m.Target.String()
	case SOCKS5:
		return "socks5"
	}
	return "regular"
}

// listenMode is a Mode bound to its listener.
type listenMode struct {
	Mode
	// name is what each flow records as its Client.Listener: the mode and
	// the listener's port, "socks5@1080".
	name string
	// host names the listener for a TLS client that sends no SNI (reverse
	// mode): the leaf is minted for it.
	host string
}

func newListenMode(m Mode, addr net.Addr) (*listenMode, error) {
	if m.Kind == Reverse {
		if err := checkTarget(m.Target); err != nil {
			return nil, err
		}
	}
	lm := &listenMode{Mode: m, name: ListenerName(m, addr), host: "localhost"}
	if tcp, ok := addr.(*net.TCPAddr); ok && !tcp.IP.IsUnspecified() {
		lm.host = tcp.IP.String()
	}
	return lm, nil
}

// checkTarget says what is wrong with a reverse proxy's target URL.
func checkTarget(u *url.URL) error {
	switch {
	case u == nil:
		return fmt.Errorf("mitm: reverse mode needs a target URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("mitm: reverse target %s: want an http:// or https:// URL", u)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("mitm: reverse target %s has no host", u)
	case u.User != nil:
		return fmt.Errorf("mitm: reverse target %s: user info is not supported", u.Redacted())
	}
	return nil
}

// rewrite makes a request read by a Reverse listener one for its target:
// scheme, host and port from the target, its path prefix joined before
// the request's path, and Host the target's unless KeepHost.
func (m *listenMode) rewrite(req *http.Request) {
	t := m.Target
	clientHost := req.Host
	if clientHost == "" {
		clientHost = req.URL.Host
	}
	req.URL.Scheme, req.URL.Host = t.Scheme, t.Host
	req.URL.Opaque = ""
	if prefix := strings.TrimSuffix(t.EscapedPath(), "/"); prefix != "" {
		path := req.URL.EscapedPath()
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		if joined, err := url.Parse(prefix + path); err == nil {
			req.URL.Path, req.URL.RawPath = joined.Path, joined.RawPath
		}
	}
	if t.RawQuery != "" {
		if req.URL.RawQuery == "" {
			req.URL.RawQuery = t.RawQuery
		} else {
			req.URL.RawQuery = t.RawQuery + "&" + req.URL.RawQuery
		}
	}
	req.Host = t.Host
	if m.KeepHost && clientHost != "" {
		req.Host = clientHost
	}
}

// ListenerName is what flows that come in on a listener at addr in mode m
// record as their Listener: the mode and the port, "socks5@1080", or
// m.Name when set.
func ListenerName(m Mode, addr net.Addr) string {
	if m.Name != "" {
		return m.Name
	}
	name := m.String()
	if tcp, ok := addr.(*net.TCPAddr); ok {
		name += fmt.Sprintf("@%d", tcp.Port)
	}
	return name
}
