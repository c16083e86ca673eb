//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package mitm

import (
	"errors"
	"net"
	"syscall"
)

// idleUsable reports whether a pooled connection may carry a request: the
// origin has neither closed it nor sent anything unasked while it was
// idle. Go's transport learns this from a read it keeps waiting on each
// idle connection; h1Pool has no goroutine per connection, so it asks the
// socket without waiting (sockets in Go are non-blocking). Without it, an
// origin that closes idle connections after a few seconds (Node's
// default) would fail the next request that may not be sent twice.
func idleUsable(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	usable := true
	var b [1]byte
	err = rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK)
		usable = n < 0 && errors.Is(err, syscall.EAGAIN)
		return true
	})
	return err == nil && usable
}
