//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package mitm

import (
	"errors"
	"net"
	"syscall"
)

// idleCheck tells whether a pooled connection may carry a request: the
// origin has neither closed it nor sent anything unasked while it was
// idle. Go's transport learns this from a read it keeps waiting on each
// idle connection; h1Pool has no goroutine per connection, so it asks the
// socket without waiting (sockets in Go are non-blocking). Without it, an
// origin that closes idle connections after a few seconds (Node's
// default) would fail the next request that may not be sent twice.
type idleCheck struct {
	rc     syscall.RawConn // nil: cannot tell
	usable bool
	buf    [1]byte
	peek   func(fd uintptr) bool // made once: a check allocates nothing
}

func newIdleCheck(c net.Conn) *idleCheck {
	ic := &idleCheck{}
	if sc, ok := c.(syscall.Conn); ok {
		ic.rc, _ = sc.SyscallConn()
	}
	ic.peek = func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), ic.buf[:], syscall.MSG_PEEK)
		ic.usable = n < 0 && errors.Is(err, syscall.EAGAIN)
		return true
	}
	return ic
}

// ok reports whether the connection is fit for a request; it is
// called by one goroutine at a time (the one taking it from the pool).
func (ic *idleCheck) ok() bool {
	if ic.rc == nil {
		return true
	}
	ic.usable = false
	return ic.rc.Read(ic.peek) == nil && ic.usable
}
