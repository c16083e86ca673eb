package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"

	"github.com/siphonproxy/siphon/certs"
)

// doctor checks siphon's setup on this machine and explains each finding:
// the CA files, whether the system trusts the CA, a request through a
// temporary siphon, the proxy variables, the port, the LAN addresses and
// the leaves' validity span.
type doctor struct {
	home   string
	listen string // the address siphon is (to be) run with

	// systemRoots returns the certificates the system trusts (its default
	// reads the system store); tests give their own so that the result
	// does not depend on the machine.
	systemRoots func() (*x509.CertPool, error)
	// getenv reads the environment (os.Getenv by default).
	getenv func(string) string
	// interfaceAddrs lists the machine's addresses (net.InterfaceAddrs).
	interfaceAddrs func() ([]net.Addr, error)
	// macSecurity asks macOS's security tool too, when the CA is not in
	// systemRoots: the keychain's trust settings decide there.
	macSecurity bool

	// Set by the checks, for the later ones.
	ca   *certs.CA         // nil when the CA did not load
	leaf *x509.Certificate // the leaf the temporary siphon served, or nil
}

// finding is the outcome of one check, printed as one line.
type finding struct {
	ok     bool
	name   string
	detail string // what was found
	fix    string // what to do about it; empty when ok
}

// newDoctor returns a doctor for the real machine.
func newDoctor(home, listen string) *doctor {
	return &doctor{
		home:           home,
		listen:         listen,
		systemRoots:    x509.SystemCertPool,
		getenv:         os.Getenv,
		interfaceAddrs: net.InterfaceAddrs,
		macSecurity:    runtime.GOOS == "darwin" && hasCommand("security"),
	}
}

func runDoctor(ctx context.Context, args []string, stdout io.Writer) error {
	flags := newFlagSet("doctor")
	home := flags.String("home", "", "siphon's home directory (default ~/.siphon or $SIPHON_HOME)")
	listen := flags.String("listen", "127.0.0.1:8080", "the address siphon listens on, as given to siphon --listen")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(*listen); err != nil {
		return usagef("bad --listen address %q: want HOST:PORT", *listen)
	}
	dir, err := homeDir(*home)
	if err != nil {
		return err
	}
	if failed, total := newDoctor(dir, *listen).run(ctx, stdout); failed > 0 {
		return fmt.Errorf("doctor: %d of %d checks failed", failed, total)
	}
	return nil
}

// run runs every check in order, prints one line for each, and returns
// how many failed out of how many.
func (d *doctor) run(ctx context.Context, w io.Writer) (failed, total int) {
	fmt.Fprintf(w, "siphon doctor: home %s, listen %s\n", d.home, d.listen)
	checks := []func(context.Context) finding{
		d.checkCA,
		d.checkKeyMode,
		d.checkTrust,
		d.checkRequest,
		d.checkLeaf,
		d.checkProxyEnv,
		d.checkPort,
		d.checkLAN,
	}
	for _, check := range checks {
		f := check(ctx)
		fmt.Fprintln(w, f.line())
		if !f.ok {
			failed++
		}
	}
	return failed, len(checks)
}

// line formats f as doctor prints it: status, name, what was found and,
// for a failure, what to do.
func (f finding) line() string {
	var b strings.Builder
	if f.ok {
		b.WriteString("ok    ")
	} else {
		b.WriteString("FAIL  ")
	}
	fmt.Fprintf(&b, "%-10s %s", f.name, f.detail)
	if !f.ok && f.fix != "" {
		b.WriteString(". Fix: ")
		b.WriteString(f.fix)
	}
	return b.String()
}

func pass(name, format string, args ...any) finding {
	return finding{ok: true, name: name, detail: fmt.Sprintf(format, args...)}
}

func fail(name, detail, fix string) finding {
	return finding{name: name, detail: detail, fix: fix}
}
