//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package mitm

import "net"

// idleUsable cannot tell here: a request on a connection the origin
// closed while it was idle is sent again when it may be (see h1Pool).
func idleUsable(net.Conn) bool { return true }
