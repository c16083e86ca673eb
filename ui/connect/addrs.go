package connect

import (
	"net"
	"slices"
	"strings"
)

// reach is where devices can reach the proxy, worked out from the
// listener's address.
type reach struct {
	listen   string
	loopback bool     // only this machine can connect
	hosts    []string // addresses a device can use, IPv4 first
	port     string
}

// reachOf works out reach from listen (the listener's host:port) and lan
// (the machine's non-loopback addresses, used when the listener is on
// every interface).
func reachOf(listen string, lan []string) reach {
	r := reach{listen: listen}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return reach{listen: listen, loopback: true}
	}
	r.port = port
	ip := net.ParseIP(host)
	switch {
	case host == "localhost" || ip != nil && ip.IsLoopback():
		r.loopback = true
	case host == "" || ip != nil && ip.IsUnspecified():
		r.hosts = slices.Clone(lan)
		// Phones type and scan IPv4 addresses more easily.
		slices.SortStableFunc(r.hosts, func(a, b string) int {
			return boolCmp(strings.Contains(a, ":"), strings.Contains(b, ":"))
		})
	default:
		r.hosts = []string{host}
	}
	return r
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// pageURL is the address of siphon's certificate page on its own
// listener, as a device on the network opens it.
func (r reach) pageURL(host string) string {
	return "http://" + net.JoinHostPort(host, r.port) + "/"
}
