//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package mitm

import "net"

// idleCheck cannot tell here whether the origin closed an idle
// connection: a request that fails on one is sent again when it may be
// (see h1Pool).
type idleCheck struct{}

func newIdleCheck(net.Conn) *idleCheck { return &idleCheck{} }

func (*idleCheck) ok() bool { return true }
