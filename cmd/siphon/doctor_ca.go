package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/siphonproxy/siphon/certs"
)

// checkCA loads the CA without creating one.
func (d *doctor) checkCA(context.Context) finding {
	ca, err := certs.Load(d.home)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fail("CA", "no CA in "+d.home+" yet",
			"run siphon once (or siphon ca path) to create it, or pass the --home you use")
	case errors.Is(err, fs.ErrPermission):
		return fail("CA", err.Error(), "run doctor as the user who runs siphon, or make the files theirs (chown)")
	case err != nil:
		return fail("CA", err.Error(),
			"restore the files, or move both away so that the next siphon creates a new CA (and install that one)")
	}
	d.ca = ca
	return pass("CA", "%s (%s), valid until %s", ca.CertPath(), ca.Certificate().Subject.CommonName,
		ca.Certificate().NotAfter.UTC().Format(time.DateOnly))
}

// checkKeyMode checks that the CA key is readable by its owner alone:
// anyone who reads it can intercept what trusts the CA.
func (d *doctor) checkKeyMode(context.Context) finding {
	path := filepath.Join(d.home, certs.KeyFile)
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) && d.ca == nil {
		return fail("CA key", "not checked: the CA did not load", "see the CA line")
	}
	if err != nil {
		return fail("CA key", err.Error(), "see the CA line")
	}
	if !fi.Mode().IsRegular() {
		return fail("CA key", path+" is not a file", "see the CA line")
	}
	if runtime.GOOS == "windows" {
		return pass("CA key", "%s (Windows: permissions are ACLs, not checked)", path)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		return fail("CA key", fmt.Sprintf("%s has mode %04o: others may read the key that can impersonate any site to your devices", path, perm),
			"chmod 600 "+path)
	}
	return pass("CA key", "%s is readable by its owner only (0600)", path)
}

// checkTrust checks whether the system store trusts the CA.
func (d *doctor) checkTrust(context.Context) finding {
	if d.ca == nil {
		return fail("trust", "not checked: the CA did not load", "see the CA line")
	}
	roots, err := d.systemRoots()
	if err != nil {
		return fail("trust", "cannot read the system trust store: "+err.Error(), "")
	}
	_, err = d.ca.Certificate().Verify(x509.VerifyOptions{Roots: roots})
	if err != nil && d.macSecurity {
		// The keychain's trust settings, as Safari and Chrome see them.
		if exec.Command("security", "verify-cert", "-c", d.ca.CertPath()).Run() == nil {
			return pass("trust", "the macOS keychain trusts %s (security verify-cert)", d.ca.Certificate().Subject.CommonName)
		}
	}
	if err != nil {
		return fail("trust", fmt.Sprintf("the system trust store does not trust %s%s", d.ca.Certificate().Subject.CommonName, storeNote(d.getenv)),
			trustFix(d.ca.CertPath())+" (browsers and phones: see http://siphon.cert/ through the proxy)")
	}
	return pass("trust", "the system trust store trusts %s%s", d.ca.Certificate().Subject.CommonName, storeNote(d.getenv))
}

// storeNote says which store was read when the environment chose it.
func storeNote(getenv func(string) string) string {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		return ""
	}
	if f := getenv("SSL_CERT_FILE"); f != "" {
		return " (SSL_CERT_FILE=" + f + ")"
	}
	return ""
}

// trustFix returns the command that adds certPath to this system's store.
func trustFix(certPath string) string {
	q := shellQuote(certPath)
	switch {
	case runtime.GOOS == "darwin":
		return "sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain " + q
	case runtime.GOOS == "windows":
		return "certutil -addstore -f Root " + certPath + " (as administrator)"
	case hasCommand("update-ca-certificates"):
		return "sudo cp " + q + " /usr/local/share/ca-certificates/siphon.crt && sudo update-ca-certificates"
	case hasCommand("update-ca-trust"):
		return "sudo cp " + q + " /etc/pki/ca-trust/source/anchors/siphon.pem && sudo update-ca-trust"
	}
	return "add " + q + " to the system's trust store"
}

func hasCommand(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

// checkLeaf checks the validity span of the leaf the temporary siphon
// served (or, when no request got through, of one minted here).
func (d *doctor) checkLeaf(context.Context) finding {
	leaf := d.leaf
	if leaf == nil {
		if d.ca == nil {
			return fail("leaf", "not checked: the CA did not load", "see the CA line")
		}
		m, err := certs.NewMinter(d.ca, 1)
		if err != nil {
			return fail("leaf", err.Error(), "")
		}
		c, err := m.Leaf("doctor.siphon.test")
		if err != nil {
			return fail("leaf", err.Error(), "")
		}
		leaf = c.Leaf
	}
	return leafSpan(leaf, certs.MaxLeafValidity)
}

// leafSpan checks that leaf spans at most limit, as clients demand.
func leafSpan(leaf *x509.Certificate, limit time.Duration) finding {
	span := leaf.NotAfter.Sub(leaf.NotBefore)
	days := func(d time.Duration) string { return fmt.Sprintf("%.0f days", d.Hours()/24) }
	if span > limit {
		return fail("leaf", fmt.Sprintf("siphon's leaf for %s spans %s, over %s: Chromium and Android WebView reject leaves over 200",
			leafName(leaf), days(span), days(limit)), "use a siphon release that mints shorter leaves")
	}
	return pass("leaf", "siphon's leaf for %s spans %s (at most %s; Chromium and Android WebView reject over 200)",
		leafName(leaf), days(span), days(limit))
}

func leafName(leaf *x509.Certificate) string {
	switch {
	case len(leaf.DNSNames) > 0:
		return leaf.DNSNames[0]
	case len(leaf.IPAddresses) > 0:
		return leaf.IPAddresses[0].String()
	}
	return leaf.Subject.CommonName
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	for _, r := range s {
		if !(r == '/' || r == '.' || r == '-' || r == '_' || r == '+' || r == ':' || r == ',' ||
			'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}
