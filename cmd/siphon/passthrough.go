package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/siphonproxy/siphon/mitm"
	"github.com/siphonproxy/siphon/ui/connect"
)

// passthroughFile is the list of passed-through hosts in <home>: one host
// a line, # comments. P in the UI and --auto-passthrough add to it.
const passthroughFile = "passthrough.txt"

func (o *proxyOptions) registerPassthrough(fs *flag.FlagSet) {
	fs.BoolVar(&o.autoPassthrough, "auto-passthrough", false,
		"pass a host through untouched from the first TLS handshake its client rejects (an app that pins its certificates); the host is added to <home>/"+passthroughFile)
}

// passList is the live passthrough set of a running proxy and the file it
// is kept in: loaded at the start, written after each change (off the
// proxy's and the UI's goroutines) and once more at the stop.
type passList struct {
	set    *mitm.Passthrough
	path   string
	logger *slog.Logger
	stop   chan struct{}
	done   chan struct{}
	// saved receives a value after each write (coalesced), for tests.
	saved chan struct{}
}

// openPassthrough loads <home>/passthrough.txt (a missing file is an
// empty list) and starts saving changes to it; close stops that.
func openPassthrough(home string, logger *slog.Logger) (*passList, error) {
	path := filepath.Join(home, passthroughFile)
	hosts, err := readPassthrough(path)
	if err != nil {
		return nil, err
	}
	p := &passList{set: mitm.NewPassthrough(hosts), path: path, logger: logger,
		stop: make(chan struct{}), done: make(chan struct{}), saved: make(chan struct{}, 1)}
	go p.run()
	return p, nil
}

// readPassthrough reads a passthrough file; a line that is not one host
// name or address is an error naming it, so that nothing is dropped
// silently.
func readPassthrough(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, usagef("read passthrough list: %v", err)
	}
	var hosts []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		// Hosts match exactly: a wildcard or a URL would never match, so
		// they are refused rather than kept silently.
		if !isHostChars(line) || strings.HasSuffix(line, ":") || mitm.PassthroughHost(line) == "" {
			return nil, usagef("%s line %d: %q is not a host name: write one host a line (# starts a comment)", path, n, line)
		}
		hosts = append(hosts, line)
	}
	if err := sc.Err(); err != nil { // a line too long to read: nothing after it is dropped silently
		return nil, usagef("read passthrough list %s: %v", path, err)
	}
	return hosts, nil
}

// isHostChars reports whether s has only the characters of a host name,
// an IP address or a host:port.
func isHostChars(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune(".-_:[]%", r):
		default:
			return false
		}
	}
	return true
}

// memoryPassthrough is an empty passthrough list kept in memory only:
// siphon doctor's temporary proxy must intercept its own test request,
// whatever the user passes through.
func memoryPassthrough() *passList {
	p := &passList{set: mitm.NewPassthrough(nil), stop: make(chan struct{}), done: make(chan struct{}), saved: make(chan struct{}, 1)}
	close(p.done)
	return p
}

func (p *passList) run() {
	defer close(p.done)
	for {
		select {
		case <-p.set.Changed():
			p.save()
		case <-p.stop:
			return
		}
	}
}

// save writes the list through a temporary file renamed over the old
// one, so that a crash leaves the old list or the new one. A failure is
// logged (the UI's event log shows it) and retried at the next change.
func (p *passList) save() {
	if p.path == "" { // memoryPassthrough's
		return
	}
	var b strings.Builder
	b.WriteString("# Hosts siphon passes through untouched (apps that pin their certificates).\n# One host a line; edit it here or in siphon's connect screen (C, then p).\n")
	for _, h := range p.set.Hosts() {
		b.WriteString(h + "\n")
	}
	if err := writeFileAtomic(p.path, []byte(b.String())); err != nil {
		p.logger.Warn("save passthrough list", "err", err)
		return
	}
	select {
	case p.saved <- struct{}{}:
	default:
	}
}

// close stops saving after a last save of any change still pending.
func (p *passList) close() {
	close(p.stop)
	<-p.done
	select {
	case <-p.set.Changed():
		p.save()
	default:
	}
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// connectConfig is what the UI's connect screen shows of the running
// proxy r: where devices reach it, the proxy user, the passthrough list.
func connectConfig(r *running, c *checked) connect.Config {
	cc := connect.Config{Listen: r.addr.String(), Passthrough: r.pass.set, SavedIn: r.pass.path}
	if tcp, ok := r.addr.(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		cc.LAN = lanAddrs(tcp.IP)
	}
	if c.auth != nil {
		cc.User = c.auth.User
	}
	return cc
}
