package certs

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"net"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestLeafVerifies(t *testing.T) {
	ca := newTestCA(t)
	m := newTestMinter(t, ca, 0)
	tests := []struct {
		host   string
		verify string // name a client verifies
		dns    string // the DNS SAN wanted, if any
		ip     string // the IP SAN wanted, if any
	}{
		{host: "example.com", verify: "example.com", dns: "example.com"},
		{host: "API.Example.COM:443", verify: "api.example.com", dns: "api.example.com"},
		{host: "www.example.org.", verify: "www.example.org", dns: "www.example.org"},
		{host: "localhost:8080", verify: "localhost", dns: "localhost"},
		{host: "127.0.0.1", verify: "127.0.0.1", ip: "127.0.0.1"},
		{host: "192.0.2.7:8443", verify: "192.0.2.7", ip: "192.0.2.7"},
		{host: "192.0.2.8.", verify: "192.0.2.8", ip: "192.0.2.8"},
		{host: "::1", verify: "::1", ip: "::1"},
		{host: "[2001:db8::1]", verify: "2001:db8::1", ip: "2001:db8::1"},
		{host: "[2001:DB8::2]:443", verify: "2001:db8::2", ip: "2001:db8::2"},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			c := mustLeaf(t, m, tt.host)
			verifyLeaf(t, ca, c, tt.verify)
			if err := c.Leaf.VerifyHostname(tt.verify); err != nil {
				t.Errorf("VerifyHostname(%q): %v", tt.verify, err)
			}
			var wantDNS []string
			if tt.dns != "" {
				wantDNS = []string{tt.dns}
			}
			if !slices.Equal(c.Leaf.DNSNames, wantDNS) {
				t.Errorf("DNSNames = %q, want %q", c.Leaf.DNSNames, wantDNS)
			}
			switch {
			case tt.ip == "" && len(c.Leaf.IPAddresses) != 0:
				t.Errorf("IPAddresses = %v, want none", c.Leaf.IPAddresses)
			case tt.ip != "" && (len(c.Leaf.IPAddresses) != 1 || !c.Leaf.IPAddresses[0].Equal(net.ParseIP(tt.ip))):
				t.Errorf("IPAddresses = %v, want [%s]", c.Leaf.IPAddresses, tt.ip)
			}
			if want := cmp(tt.dns, tt.ip); c.Leaf.Subject.CommonName != want {
				t.Errorf("CN = %q, want %q", c.Leaf.Subject.CommonName, want)
			}
			if err := c.Leaf.VerifyHostname("other.test"); err == nil {
				t.Error("leaf also verifies for other.test")
			}
		})
	}
}

// cmp returns the first of its arguments that is not empty.
func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestLeafFields(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ca := newTestCA(t)
		m := newTestMinter(t, ca, 0)
		now := time.Now() // a whole second in the bubble, so x509's second precision loses nothing
		a, b := mustLeaf(t, m, "a.test"), mustLeaf(t, m, "b.test")
		for _, c := range []*x509.Certificate{a.Leaf, b.Leaf} {
			if !c.NotBefore.Equal(now.Add(-48 * time.Hour)) {
				t.Errorf("NotBefore = %v, want %v", c.NotBefore, now.Add(-48*time.Hour))
			}
			if !c.NotAfter.Equal(now.Add(178 * 24 * time.Hour)) {
				t.Errorf("NotAfter = %v, want %v: 178 days on, 180 with the backdate", c.NotAfter, now.Add(178*24*time.Hour))
			}
			if c.NotAfter.After(ca.Certificate().NotAfter) {
				t.Errorf("NotAfter %v is past the CA's %v", c.NotAfter, ca.Certificate().NotAfter)
			}
			if c.IsCA || c.KeyUsage != x509.KeyUsageDigitalSignature || !slices.Equal(c.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) {
				t.Errorf("IsCA %v, KeyUsage %v, ExtKeyUsage %v", c.IsCA, c.KeyUsage, c.ExtKeyUsage)
			}
			if len(c.AuthorityKeyId) == 0 || !bytes.Equal(c.AuthorityKeyId, ca.Certificate().SubjectKeyId) {
				t.Errorf("AuthorityKeyId = %x, want the CA's %x", c.AuthorityKeyId, ca.Certificate().SubjectKeyId)
			}
			if c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() > 128 {
				t.Errorf("serial %v", c.SerialNumber)
			}
		}
		if a.Leaf.SerialNumber.Cmp(b.Leaf.SerialNumber) == 0 {
			t.Error("two leaves share a serial number")
		}
		if !a.Leaf.PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(b.Leaf.PublicKey) || a.PrivateKey != b.PrivateKey {
			t.Error("leaves do not share the Minter's key")
		}
		if len(a.Certificate) != 1 || !bytes.Equal(a.Certificate[0], a.Leaf.Raw) {
			t.Errorf("chain has %d certificates, want the leaf alone", len(a.Certificate))
		}
	})
}

// maxSpan is the longest NotBefore to NotAfter that Android and Chromium
// accept is 200 days; siphon promises 180, its backdate included.
const maxSpan = 180 * 24 * time.Hour

// TestLeafSpan checks the span of DNS and IP leaves, and of a leaf minted
// at a time that is not a whole second (x509 rounds both ends down).
func TestLeafSpan(t *testing.T) {
	ca := newTestCA(t)
	m := newTestMinter(t, ca, 0)
	clock := withClock(m)
	for _, host := range []string{"span.test", "API.Example.COM:443", "192.0.2.1", "[2001:db8::7]:443", "10.0.0.9."} {
		clock.advance(123456789 * time.Nanosecond)
		c := mustLeaf(t, m, host)
		if span := c.Leaf.NotAfter.Sub(c.Leaf.NotBefore); span > maxSpan || span < maxSpan-time.Second {
			t.Errorf("%s: NotBefore %v to NotAfter %v spans %v, want 180 days at most (and not much less)",
				host, c.Leaf.NotBefore, c.Leaf.NotAfter, span)
		}
		if back := clock.now().Sub(c.Leaf.NotBefore); back < 47*time.Hour {
			t.Errorf("%s: NotBefore %v is only %v before minting, want two days", host, c.Leaf.NotBefore, back)
		}
	}
}

func TestLeafRenewedNearExpiry(t *testing.T) {
	ca := newTestCA(t)
	m := newTestMinter(t, ca, 0)
	clock := withClock(m)
	first := mustLeaf(t, m, "renew.test")
	clock.advance(140 * 24 * time.Hour) // 38 days before NotAfter
	if c := mustLeaf(t, m, "renew.test"); c != first || m.Minted() != 1 {
		t.Fatalf("a leaf 38 days from expiry was re-minted (minted %d)", m.Minted())
	}
	clock.advance(10 * 24 * time.Hour) // 28 days before: within renewMargin
	renewed := mustLeaf(t, m, "renew.test")
	if renewed == first || m.Minted() != 2 {
		t.Fatalf("a leaf 28 days from expiry was not re-minted (minted %d, NotAfter %v, now %v)",
			m.Minted(), first.Leaf.NotAfter, clock.now())
	}
	verifyLeafAt(t, ca, renewed, "renew.test", clock.now())
	if !renewed.Leaf.NotAfter.After(first.Leaf.NotAfter) {
		t.Errorf("renewed NotAfter %v, want after %v", renewed.Leaf.NotAfter, first.Leaf.NotAfter)
	}
	if span := renewed.Leaf.NotAfter.Sub(renewed.Leaf.NotBefore); span > maxSpan {
		t.Errorf("renewed leaf spans %v, want at most %v", span, maxSpan)
	}
	if m.Cached() != 1 {
		t.Errorf("Cached() = %d after renewal, want 1", m.Cached())
	}
}

// TestLeafValidForYears runs a siphon's clock for three years a day at a
// time: every leaf it serves is valid then, for a client whose clock is a
// day behind, and for one a week ahead.
func TestLeafValidForYears(t *testing.T) {
	ca := newTestCA(t) // valid ten years
	m := newTestMinter(t, ca, 0)
	clock := withClock(m)
	for day := range 3 * 365 {
		now := clock.now()
		for _, host := range []string{"years.test", "192.0.2.9"} {
			c := mustLeaf(t, m, host)
			for _, skew := range []time.Duration{0, -24 * time.Hour, 7 * 24 * time.Hour} {
				if at := now.Add(skew); at.Before(c.Leaf.NotBefore) || at.After(c.Leaf.NotAfter) {
					t.Fatalf("day %d: %s leaf valid %v to %v, served at %v (client skew %v)",
						day, host, c.Leaf.NotBefore, c.Leaf.NotAfter, now, skew)
				}
			}
		}
		clock.advance(24 * time.Hour)
	}
	// A leaf lasts 178 days from minting and is renewed 30 days early:
	// one per 148 days and host.
	if n := m.Minted(); n < 2*7 || n > 2*9 {
		t.Errorf("minted %d leaves in three years for two hosts, want about 16", n)
	}
}

func TestLeafCappedByCA(t *testing.T) {
	dir := t.TempDir()
	now := time.Now().Truncate(time.Second) // x509 keeps whole seconds
	tmpl := caTemplate(now)
	tmpl.NotAfter = now.Add(10 * 24 * time.Hour)
	writeCA(t, dir, tmpl, newECKey(t), "PRIVATE KEY")
	ca, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := newTestMinter(t, ca, 0)
	clock := withClock(m)
	first := mustLeaf(t, m, "capped.test")
	if !first.Leaf.NotAfter.Equal(tmpl.NotAfter) {
		t.Errorf("NotAfter = %v, want the CA's %v", first.Leaf.NotAfter, tmpl.NotAfter)
	}
	verifyLeaf(t, ca, first, "capped.test")

	clock.advance(6 * 24 * time.Hour) // past half the leaf's remaining life
	if c := mustLeaf(t, m, "capped.test"); c == first || m.Minted() != 2 {
		t.Errorf("leaf not renewed as its CA nears expiry (minted %d)", m.Minted())
	}

	clock.advance(5 * 24 * time.Hour) // the CA has expired
	if c, err := m.Leaf("late.test"); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("Leaf after CA expiry = %v, %v; want an error saying it expired", c, err)
	}
}

func TestLeafCacheKey(t *testing.T) {
	m := newTestMinter(t, newTestCA(t), 0)
	for _, group := range [][]string{
		{"example.com", "Example.COM", "example.com:443", "EXAMPLE.com.", "example.com.:8443"},
		{"::1", "[::1]", "[::1]:443", "0:0::1", "[::1%lo]"},
		{"10.1.2.3", "10.1.2.3:80", "::ffff:10.1.2.3", "[::ffff:10.1.2.3]:443", "10.1.2.3.", "10.1.2.3.:443"},
	} {
		first := mustLeaf(t, m, group[0])
		for _, h := range group[1:] {
			if c := mustLeaf(t, m, h); c != first {
				t.Errorf("Leaf(%q) minted anew; want the leaf cached for %q", h, group[0])
			}
		}
	}
	if m.Minted() != 3 || m.Cached() != 3 {
		t.Errorf("Minted() = %d, Cached() = %d; want 3 and 3", m.Minted(), m.Cached())
	}
}

// TestLeafTrailingDotIPv4 asks for "10.9.8.7." first: were it a name, its
// DNS-SAN leaf would sit under the address's key and be served for
// "10.9.8.7" too, where no client accepts it.
func TestLeafTrailingDotIPv4(t *testing.T) {
	ca := newTestCA(t)
	m := newTestMinter(t, ca, 0)
	dotted := mustLeaf(t, m, "10.9.8.7.")
	plain := mustLeaf(t, m, "10.9.8.7:443")
	if plain != dotted || m.Minted() != 1 {
		t.Errorf("minted %d leaves for one address", m.Minted())
	}
	verifyLeaf(t, ca, plain, "10.9.8.7")
}

func TestLeafLRUEviction(t *testing.T) {
	m := newTestMinter(t, newTestCA(t), 2)
	a := mustLeaf(t, m, "a.test")
	b := mustLeaf(t, m, "b.test")
	mustLeaf(t, m, "a.test") // a is now the most recently used
	mustLeaf(t, m, "c.test") // evicts b
	if m.Cached() != 2 || m.Minted() != 3 {
		t.Fatalf("Cached() = %d, Minted() = %d; want 2 and 3", m.Cached(), m.Minted())
	}
	if c := mustLeaf(t, m, "a.test"); c != a || m.Minted() != 3 {
		t.Error("a.test was evicted although it was used more recently than b.test")
	}
	if c := mustLeaf(t, m, "b.test"); c == b || m.Minted() != 4 {
		t.Error("b.test was not evicted at the cache bound")
	}
	if m.Cached() != 2 {
		t.Errorf("Cached() = %d, want 2", m.Cached())
	}
}

func TestNewMinterNilCA(t *testing.T) {
	if m, err := NewMinter(nil, 0); err == nil {
		t.Errorf("NewMinter(nil) = %v, want an error", m)
	}
}
