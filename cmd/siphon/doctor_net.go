package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// proxyVars returns the variables that send clients through a proxy, in
// both cases: curl reads only the lower-case http_proxy, most others either.
func proxyVars() []string {
	return []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"}
}

// checkProxyEnv checks that each proxy variable that is set points at this
// siphon (--listen), over plain HTTP, which is what siphon speaks.
func (d *doctor) checkProxyEnv(context.Context) finding {
	const name = "proxy env"
	want := "http://" + d.dialAddr()
	var here, problems []string
	for _, v := range proxyVars() {
		val := d.getenv(v)
		if val == "" {
			continue
		}
		u, err := url.Parse(val)
		if err == nil && u.Host == "" && !strings.Contains(val, "://") {
			u, err = url.Parse("http://" + val) // curl's reading of a bare host:port
		}
		switch {
		case err != nil || u.Host == "":
			problems = append(problems, fmt.Sprintf("%s=%q is not a proxy URL", v, val))
		case !d.isThisSiphon(u):
			problems = append(problems, fmt.Sprintf("%s=%s points at %s, not at this siphon (%s)", v, u.Redacted(), u.Host, d.listen))
		case u.Scheme != "http":
			problems = append(problems, fmt.Sprintf("%s=%s: siphon is an HTTP proxy, %s:// does not reach it", v, u.Redacted(), u.Scheme))
		default:
			here = append(here, v)
		}
	}
	switch {
	case len(problems) > 0:
		return fail(name, strings.Join(problems, "; "),
			"unset them, or export https_proxy="+want+" http_proxy="+want)
	case len(here) == 0:
		return pass(name, "no proxy variable is set: only clients set up by hand use siphon (for tools: export https_proxy=%s http_proxy=%s)", want, want)
	}
	note := ""
	if slices.Contains(here, "HTTP_PROXY") && !slices.Contains(here, "http_proxy") {
		note = " (curl ignores HTTP_PROXY: it reads http_proxy)"
	}
	return pass(name, "%s point at this siphon (%s)%s", strings.Join(here, ", "), d.listen, note)
}

// isThisSiphon reports whether a proxy URL reaches the listen address.
// Host names other than localhost are not resolved: doctor asks no DNS.
func (d *doctor) isThisSiphon(u *url.URL) bool {
	lhost, lport, _ := net.SplitHostPort(d.listen)
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	if port != lport {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	switch lip := net.ParseIP(lhost); {
	case lhost == "" || lip != nil && lip.IsUnspecified():
		return ip.IsLoopback() || slices.Contains(d.localIPs(), ip.String())
	case strings.EqualFold(lhost, "localhost") || lip.IsLoopback():
		return ip.IsLoopback()
	default:
		return ip.Equal(lip)
	}
}

// dialAddr is the listen address as a client on this machine dials it.
func (d *doctor) dialAddr() string {
	host, port, _ := net.SplitHostPort(d.listen)
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// checkPort checks that siphon can listen on its address, or that a
// siphon already does.
func (d *doctor) checkPort(ctx context.Context) finding {
	const name = "port"
	l, err := net.Listen("tcp", d.listen)
	if err == nil {
		l.Close()
		return pass(name, "%s is free for siphon", d.listen)
	}
	if isSiphonAt(ctx, d.dialAddr()) {
		return pass(name, "%s: a siphon is listening there already", d.listen)
	}
	return fail(name, fmt.Sprintf("cannot listen on %s: %v", d.listen, err),
		"stop the program using it, or run siphon with another --listen (port 0 picks a free one) and pass the same to doctor")
}

// isSiphonAt reports whether what listens at addr answers as siphon does
// to a plain request: its certificate page (or the "this is a proxy"
// answer of siphons before it).
func isSiphonAt(ctx context.Context, addr string) bool {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/", nil)
	if err != nil {
		return false
	}
	tr := &http.Transport{DisableKeepAlives: true} // no proxy: ask the address itself
	defer tr.CloseIdleConnections()
	res, err := tr.RoundTrip(req)
	if err != nil {
		return false
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<16))
	// What siphon itself says, not merely the word: a file server whose
	// listing shows a file named siphon is not one.
	return strings.Contains(string(body), "<title>siphon: trust this proxy's certificate</title>") ||
		strings.Contains(string(body), "siphon: this is a proxy")
}

// checkLAN lists the addresses devices on the network can use, and says
// when siphon would listen where they cannot reach it.
func (d *doctor) checkLAN(context.Context) finding {
	const name = "LAN"
	host, port, _ := net.SplitHostPort(d.listen)
	ips := d.localIPs()
	lip := net.ParseIP(host)
	switch {
	case strings.EqualFold(host, "localhost") || lip != nil && lip.IsLoopback():
		if len(ips) == 0 {
			return pass(name, "siphon listens on loopback only, and this machine has no network address a phone could use")
		}
		return pass(name, "siphon listens on loopback only; for a phone on your network run siphon --listen 0.0.0.0:%s --proxy-auth USER:PASS and use %s",
			port, joinAddrs(ips, port))
	case host == "" || lip != nil && lip.IsUnspecified():
		if len(ips) == 0 {
			return fail(name, "no network address found: no phone can reach siphon", "connect this machine to the phone's network")
		}
		return pass(name, "devices on your network can use %s", joinAddrs(ips, port))
	case lip != nil && slices.Contains(ips, lip.String()):
		return pass(name, "devices on your network can use %s", net.JoinHostPort(host, port))
	}
	return fail(name, fmt.Sprintf("%s is not an address of this machine (it has %s)", host, strings.Join(ips, ", ")),
		"use one of them in --listen, or 0.0.0.0")
}

// localIPs returns the machine's addresses a device could use: neither
// loopback nor link-local.
func (d *doctor) localIPs() []string {
	addrs, err := d.interfaceAddrs()
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok || n.IP.IsLoopback() || n.IP.IsLinkLocalUnicast() {
			continue
		}
		out = append(out, n.IP.String())
	}
	return out
}

func joinAddrs(ips []string, port string) string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = net.JoinHostPort(ip, port)
	}
	return strings.Join(out, ", ")
}
