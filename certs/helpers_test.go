package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// newTestCA creates a CA in a fresh temporary directory.
func newTestCA(t testing.TB) *CA {
	t.Helper()
	ca, err := LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatalf("LoadOrCreate: %v", err)
	}
	return ca
}

// newTestMinter returns a Minter for ca with the given cache size.
func newTestMinter(t testing.TB, ca *CA, size int) *Minter {
	t.Helper()
	m, err := NewMinter(ca, size)
	if err != nil {
		t.Fatalf("NewMinter: %v", err)
	}
	return m
}

// mustLeaf returns m's leaf for host, failing the test on error.
func mustLeaf(t testing.TB, m *Minter, host string) *tls.Certificate {
	t.Helper()
	c, err := m.Leaf(host)
	if err != nil {
		t.Fatalf("Leaf(%q): %v", host, err)
	}
	return c
}

// caTemplate returns the template of a valid CA as of now, which tests then
// spoil one field at a time.
func caTemplate(now time.Time) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
}

// newECKey returns a new ECDSA P-256 key.
func newECKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// writeCA writes a self-signed certificate made from tmpl with key into dir
// as CertFile and KeyFile, encoding the key as keyType ("PRIVATE KEY",
// "EC PRIVATE KEY" or "RSA PRIVATE KEY").
func writeCA(t testing.TB, dir string, tmpl *x509.Certificate, key crypto.Signer, keyType string) {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatalf("create test CA: %v", err)
	}
	var keyDER []byte
	switch keyType {
	case "PRIVATE KEY":
		keyDER, err = x509.MarshalPKCS8PrivateKey(key)
	case "EC PRIVATE KEY":
		keyDER, err = x509.MarshalECPrivateKey(key.(*ecdsa.PrivateKey))
	case "RSA PRIVATE KEY":
		keyDER = x509.MarshalPKCS1PrivateKey(key.(*rsa.PrivateKey))
	default:
		t.Fatalf("unknown key type %q", keyType)
	}
	if err != nil {
		t.Fatalf("encode test CA key: %v", err)
	}
	writeFile(t, filepath.Join(dir, CertFile), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	writeFile(t, filepath.Join(dir, KeyFile), pem.EncodeToMemory(&pem.Block{Type: keyType, Bytes: keyDER}))
}

// writeFile writes data to path with mode 0600.
func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// snapshot returns the contents of every file in dir by name, so tests can
// check that a failed call changed nothing (and left no temporary files).
func snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := make(map[string]string, len(entries))
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(data)
	}
	return files
}

// verifyLeaf verifies c's leaf for name (a DNS name or IP literal) against
// only ca's pool, as a TLS client would.
func verifyLeaf(t testing.TB, ca *CA, c *tls.Certificate, name string) {
	t.Helper()
	verifyLeafAt(t, ca, c, name, time.Now())
}

// verifyLeafAt verifies c's leaf as verifyLeaf does, at time at.
func verifyLeafAt(t testing.TB, ca *CA, c *tls.Certificate, name string, at time.Time) {
	t.Helper()
	_, err := c.Leaf.Verify(x509.VerifyOptions{
		DNSName:     name,
		Roots:       ca.Pool(),
		CurrentTime: at,
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		t.Errorf("verify leaf for %q: %v", name, err)
	}
}

// fakeClock is a Minter clock that moves only when a test advances it.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// withClock makes m date and age its leaves by a fake clock starting now.
func withClock(m *Minter) *fakeClock {
	c := &fakeClock{t: time.Now()}
	m.now = c.now
	return c
}
