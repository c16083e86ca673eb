package mitm

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"strconv"
	"testing"
)

// FuzzSOCKS5Handshake feeds arbitrary bytes to the SOCKS5 handshake, with
// and without required credentials: it never panics, and a target it
// accepts is a valid host:port.
func FuzzSOCKS5Handshake(f *testing.F) {
	for _, seed := range [][]byte{
		{5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, 0, 80},
		{5, 1, 0, 5, 1, 0, 3, 9, '1', '2', '7', '.', '0', '.', '0', '.', '1', 1, 187},
		{5, 1, 0, 5, 1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 80},
		{5, 1, 2, 1, 1, 'u', 1, 'p', 5, 1, 0, 1, 10, 0, 0, 1, 0, 22},
		{5, 1, 0, 5, 2, 0, 1, 1, 2, 3, 4, 0, 0},
		{4, 1, 0, 80, 127, 0, 0, 1, 0},
		{5, 255},
		{},
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, in []byte, auth bool) {
		p := &Proxy{}
		if auth {
			p.cfg.Auth = &Credentials{User: "u", Pass: "p"}
		}
		target, err := p.socksHandshake(bufio.NewReader(bytes.NewReader(in)), io.Discard)
		if err != nil {
			return
		}
		host, port, err := net.SplitHostPort(target)
		if err != nil || host == "" {
			t.Fatalf("accepted target %q: %v", target, err)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			t.Fatalf("accepted target %q: bad port", target)
		}
	})
}
