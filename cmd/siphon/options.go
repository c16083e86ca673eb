package main

import (
	"crypto/x509"
	"errors"
	"flag"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/siphonproxy/siphon/filter"
	"github.com/siphonproxy/siphon/grpcmsg"
	"github.com/siphonproxy/siphon/intercept"
	"github.com/siphonproxy/siphon/mitm"
	"github.com/siphonproxy/siphon/session"
)

// proxyOptions are the flags shared by every command that runs the proxy.
type proxyOptions struct {
	listen      string
	home        string
	session     string
	filter      string
	insecure    bool
	upstreamCA  string
	ignoreHosts stringList
	upstream    string
	bodyLimit   byteSize
	proxyAuth   string
	modes       stringList // modes.go: --mode, --keep-host
	keepHost    bool
	// upstreamTimeout bounds the wait for response headers; 0: none.
	upstreamTimeout time.Duration
	// keepAltSvc keeps Alt-Svc entries advertising HTTP/3 (see mitm.Config).
	keepAltSvc bool
	// passthrough.go: --auto-passthrough
	autoPassthrough bool
	// rules.go: --rules, --mock-only, --intercept-timeout
	rules            stringList
	mockOnly         bool
	interceptTimeout time.Duration
	serverReplay     string
	replayMatch      string
	replayStrict     bool
	proto            stringList // proto.go: --proto
	mcp              mcpOptions // mcpserve.go: --mcp, --mcp-token, --mcp-allow-actions, --mcp-no-redact
}

func (o *proxyOptions) register(fs *flag.FlagSet) {
	o.bodyLimit = mitm.DefaultBodyLimit
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to listen on (port 0 picks a free port)")
	fs.StringVar(&o.home, "home", "", "siphon's home directory for the CA, sessions and log (default ~/.siphon or $SIPHON_HOME)")
	fs.StringVar(&o.session, "session", "", "session file to store flows in; an existing one is continued (default: new file under <home>/sessions)")
	fs.StringVar(&o.filter, "filter", "", "filter expression: which flows to show (all are stored)")
	fs.BoolVar(&o.insecure, "insecure", false, "do not verify upstream TLS certificates")
	fs.StringVar(&o.upstreamCA, "upstream-ca", "", "PEM file of extra CA certificates to trust upstream")
	fs.Var(&o.ignoreHosts, "ignore-hosts", "regex matched against host:port of CONNECT; matching tunnels pass through untouched (repeatable)")
	fs.StringVar(&o.upstream, "upstream", "", "send all traffic through this proxy: http://, https://, socks5:// or socks5h://[user:pass@]host:port")
	fs.Var(&o.bodyLimit, "body-limit", "bytes of each body to capture, e.g. 16MiB (the rest still reaches the client)")
	fs.Var((*limitDuration)(&o.upstreamTimeout), "upstream-timeout", "how long to wait for a server's response headers once the request is sent, such as 30s (default 0: as long as the client waits)")
	fs.BoolVar(&o.keepAltSvc, "keep-alt-svc", false, "keep the Alt-Svc entries that advertise HTTP/3 in responses (removed by default, so that browsers stay on TCP, where siphon sees them)")
	fs.StringVar(&o.proxyAuth, "proxy-auth", "", "USER:PASS required of clients; required when listening beyond loopback ('none' to allow anyone)")
	o.registerModes(fs)
	o.registerRules(fs)
	o.registerServerReplay(fs)
	o.registerProto(fs)
	o.registerPassthrough(fs)
	o.mcp.register(fs)
}

// checked is what the options say once validated.
type checked struct {
	listen    string       // the first listener's address
	listeners []listenSpec // every --mode (one regular on --listen without)
	auth      *mitm.Credentials
	openAuth  bool // --proxy-auth none beyond loopback
	ignore    []*regexp.Regexp
	roots     *x509.CertPool
	upstream  *url.URL
	filter    *filter.Filter
	types     *grpcmsg.Types    // the --proto files; nil without them
	engine    *intercept.Engine // the --rules; nil without them
	replayer  *serverReplay     // --server-replay; nil without it
}

// check validates everything that does not touch the home directory, so
// that a mistake is reported before anything is created.
func (o *proxyOptions) check() (*checked, error) {
	c := &checked{listen: o.listen}
	if err := o.mcp.check(); err != nil {
		return nil, err
	}
	var err error
	if c.listeners, err = o.listenSpecs(); err != nil {
		return nil, err
	}
	c.listen = c.listeners[0].addr
	// Credentials are needed as soon as one proxy listener reaches beyond
	// this machine; a reverse listener stands in for one server and asks
	// for none.
	loopback, beyond := true, o.listen
	for _, l := range c.listeners {
		lb, err := isLoopbackListen(l.addr)
		if err != nil {
			return nil, err
		}
		if !lb && l.mode.Kind != mitm.Reverse && loopback {
			loopback, beyond = false, l.addr
		}
	}
	switch {
	case o.proxyAuth == "none":
		c.openAuth = !loopback
	case o.proxyAuth != "":
		user, pass, ok := strings.Cut(o.proxyAuth, ":")
		if !ok || user == "" {
			return nil, usagef("bad --proxy-auth: want USER:PASS or none")
		}
		c.auth = &mitm.Credentials{User: user, Pass: pass}
	case !loopback:
		return nil, usagef("listening on %s reaches beyond this machine: set --proxy-auth USER:PASS (or --proxy-auth none to let anyone on the network use the proxy)", beyond)
	}
	for _, expr := range o.ignoreHosts {
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, usagef("bad --ignore-hosts %q: %v", expr, err)
		}
		c.ignore = append(c.ignore, re)
	}
	if o.upstreamCA != "" {
		pem, err := os.ReadFile(o.upstreamCA)
		if err != nil {
			return nil, usagef("read --upstream-ca: %v", err)
		}
		if c.roots, err = x509.SystemCertPool(); err != nil || c.roots == nil {
			c.roots = x509.NewCertPool()
		}
		if !c.roots.AppendCertsFromPEM(pem) {
			return nil, usagef("--upstream-ca %s holds no PEM certificate", o.upstreamCA)
		}
	}
	if o.upstream != "" {
		u, err := url.Parse(o.upstream)
		if err != nil || !knownUpstream[u.Scheme] || u.Hostname() == "" {
			return nil, usagef("bad --upstream %q: want http://, https://, socks5:// or socks5h:// [user:pass@]host:port", o.upstream)
		}
		c.upstream = u
	}
	if c.types, err = o.loadProto(); err != nil {
		return nil, err
	}
	f, err := filter.ParseWith(o.filter, filter.Options{Types: c.types})
	if err != nil {
		return nil, usagef("bad --filter: %v", err)
	}
	c.filter = f
	if c.replayer, err = o.loadServerReplay(); err != nil {
		return nil, err
	}
	if c.engine, err = o.loadRules(); err != nil {
		return nil, err
	}
	return c, nil
}

// knownUpstream are the --upstream schemes.
var knownUpstream = map[string]bool{"http": true, "https": true, "socks5": true, "socks5h": true}

// isLoopbackListen reports whether a listen address reaches this machine
// only.
func isLoopbackListen(addr string) (bool, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return false, usagef("bad --listen address %q: want HOST:PORT", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return false, usagef("bad --listen port %q", port)
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback(), nil
	}
	if host != "localhost" && host != "" {
		return false, usagef("bad --listen host %q: use an IP address (0.0.0.0 for every interface)", host)
	}
	return host == "localhost", nil
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// limitDuration is a duration flag for a limit that 0 turns off; negative
// values are refused.
type limitDuration time.Duration

func (d *limitDuration) String() string { return time.Duration(*d).String() }

func (d *limitDuration) Set(v string) error {
	n, err := time.ParseDuration(v)
	if err != nil {
		return errors.New("want a duration such as 30s or 5m, or 0 for no limit")
	}
	if n < 0 {
		return errors.New("must not be negative: a duration such as 30s or 5m, or 0 for no limit")
	}
	*d = limitDuration(n)
	return nil
}

// byteSize is a size flag read by session.ParseSize, as ~size in filters
// is: 512, 64KiB, 16MiB, 1MB, 1m.
type byteSize int64

func (b *byteSize) String() string { return strconv.FormatInt(int64(*b), 10) }

func (b *byteSize) Set(v string) error {
	n, err := session.ParseSize(v)
	if err != nil {
		return err
	}
	*b = byteSize(n)
	return nil
}
