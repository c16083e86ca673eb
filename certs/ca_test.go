package certs

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLoadOrCreateCreates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "config", "siphon")
	before := time.Now().Truncate(time.Second)
	ca, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatalf("LoadOrCreate: %v", err)
	}
	after := time.Now()

	for path, want := range map[string]fs.FileMode{
		dir:                          fs.ModeDir | 0o700,
		filepath.Join(dir, CertFile): 0o644,
		filepath.Join(dir, KeyFile):  0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode(), want)
		}
	}
	if got := snapshot(t, dir); len(got) != 2 {
		t.Errorf("files in %s: %v, want only %s and %s", dir, slicesKeys(got), CertFile, KeyFile)
	}
	if want := filepath.Join(dir, CertFile); ca.CertPath() != want {
		t.Errorf("CertPath() = %q, want %q", ca.CertPath(), want)
	}

	c := ca.Certificate()
	if !c.IsCA || !c.BasicConstraintsValid || c.MaxPathLen != 0 || !c.MaxPathLenZero {
		t.Errorf("basic constraints: IsCA %v valid %v MaxPathLen %d zero %v", c.IsCA, c.BasicConstraintsValid, c.MaxPathLen, c.MaxPathLenZero)
	}
	if want := x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature; c.KeyUsage != want {
		t.Errorf("KeyUsage = %v, want %v", c.KeyUsage, want)
	}
	if !strings.HasPrefix(c.Subject.CommonName, "siphon CA ") || len(c.Subject.CommonName) > 64 {
		t.Errorf("CN = %q", c.Subject.CommonName)
	}
	if len(c.Subject.Organization) != 1 || c.Subject.Organization[0] != "siphon" {
		t.Errorf("O = %q", c.Subject.Organization)
	}
	if pub, ok := c.PublicKey.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
		t.Errorf("public key %T, want ECDSA P-256", c.PublicKey)
	}
	if skid, err := subjectKeyID(c.PublicKey); err != nil || !bytes.Equal(c.SubjectKeyId, skid) {
		t.Errorf("SubjectKeyId = %x, want %x (%v)", c.SubjectKeyId, skid, err)
	}
	if c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() > 128 {
		t.Errorf("serial %v: want positive, at most 128 bits", c.SerialNumber)
	}
	if c.NotBefore.Before(before.Add(-caBackdate)) || c.NotBefore.After(after.Add(-caBackdate)) {
		t.Errorf("NotBefore = %v, want two days before creation (%v)", c.NotBefore, before)
	}
	if c.NotAfter.Before(before.AddDate(caYears, 0, 0)) || c.NotAfter.After(after.AddDate(caYears, 0, 0)) {
		t.Errorf("NotAfter = %v, want ten years after creation", c.NotAfter)
	}
	if err := c.CheckSignatureFrom(c); err != nil {
		t.Errorf("CA is not self-signed: %v", err)
	}

	keyPEM, err := os.ReadFile(filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if block, _ := pem.Decode(keyPEM); block == nil || block.Type != "PRIVATE KEY" {
		t.Errorf("key file is not a PEM PRIVATE KEY block")
	}
}

// slicesKeys returns m's keys in order, for messages.
func slicesKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

func TestLoadOrCreateReloads(t *testing.T) {
	dir := t.TempDir()
	first, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := snapshot(t, dir)
	second, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	if !bytes.Equal(first.DER(), second.DER()) {
		t.Error("reloaded CA differs from the created one")
	}
	if !maps.Equal(files, snapshot(t, dir)) {
		t.Error("reloading changed the files")
	}
	// The reloaded key signs leaves that the first CA's pool trusts.
	verifyLeaf(t, first, mustLeaf(t, newTestMinter(t, second, 0), "reload.test"), "reload.test")
}

func TestLoadOrCreateRelativeDir(t *testing.T) {
	tmp := t.TempDir()
	t.Chdir(tmp)
	ca, err := LoadOrCreate("ca")
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(tmp, "ca", CertFile)
	if ca.CertPath() != want || !filepath.IsAbs(ca.CertPath()) {
		t.Errorf("CertPath() = %q, want %q", ca.CertPath(), want)
	}
}

func TestLoadOrCreateRejects(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name    string
		spoil   func(t *testing.T, dir string) // dir holds a valid CA on entry
		inError []string                       // file names the error must mention
	}{
		{"cert not PEM", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, CertFile), []byte("not a certificate\n"))
		}, []string{CertFile}},
		{"cert bad DER", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, CertFile), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0x03, 1, 2, 3}}))
		}, []string{CertFile}},
		{"key not PEM", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, KeyFile), []byte("garbage"))
		}, []string{KeyFile}},
		{"key mismatch", func(t *testing.T, dir string) {
			other := t.TempDir()
			if _, err := LoadOrCreate(other); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(filepath.Join(other, KeyFile))
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dir, KeyFile), data)
		}, []string{KeyFile, CertFile}},
		{"key missing", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, KeyFile)); err != nil {
				t.Fatal(err)
			}
		}, []string{KeyFile, CertFile}},
		{"cert missing", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, CertFile)); err != nil {
				t.Fatal(err)
			}
		}, []string{KeyFile, CertFile}},
		{"not a CA", func(t *testing.T, dir string) {
			tmpl := caTemplate(now)
			tmpl.IsCA = false
			tmpl.KeyUsage = x509.KeyUsageDigitalSignature
			writeCA(t, dir, tmpl, newECKey(t), "PRIVATE KEY")
		}, []string{CertFile}},
		{"no certSign usage", func(t *testing.T, dir string) {
			tmpl := caTemplate(now)
			tmpl.KeyUsage = x509.KeyUsageDigitalSignature
			writeCA(t, dir, tmpl, newECKey(t), "PRIVATE KEY")
		}, []string{CertFile}},
		{"expired", func(t *testing.T, dir string) {
			tmpl := caTemplate(now.AddDate(-2, 0, 0))
			writeCA(t, dir, tmpl, newECKey(t), "PRIVATE KEY")
		}, []string{CertFile, "expired"}},
		{"encrypted key", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, KeyFile), pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}}))
		}, []string{KeyFile, "encrypted"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := LoadOrCreate(dir); err != nil {
				t.Fatal(err)
			}
			tt.spoil(t, dir)
			before := snapshot(t, dir)
			for range 2 { // a failed load must not repair or replace anything
				ca, err := LoadOrCreate(dir)
				if err == nil {
					t.Fatalf("LoadOrCreate succeeded with CA %q", ca.Certificate().Subject)
				}
				for _, s := range tt.inError {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not mention %q", err, s)
					}
				}
			}
			if after := snapshot(t, dir); !maps.Equal(before, after) {
				t.Errorf("files changed: before %v, after %v", slicesKeys(before), slicesKeys(after))
			}
		})
	}
}

func TestLoadOtherKeyFormats(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		keyType string
		key     crypto.Signer
	}{
		{"EC PRIVATE KEY", newECKey(t)},
		{"RSA PRIVATE KEY", rsaKey},
		{"PRIVATE KEY", rsaKey},
	} {
		t.Run(tt.keyType, func(t *testing.T) {
			dir := t.TempDir()
			writeCA(t, dir, caTemplate(time.Now()), tt.key, tt.keyType)
			ca, err := LoadOrCreate(dir)
			if err != nil {
				t.Fatalf("LoadOrCreate: %v", err)
			}
			verifyLeaf(t, ca, mustLeaf(t, newTestMinter(t, ca, 0), "other.test"), "other.test")
		})
	}
}

func TestExport(t *testing.T) {
	dir := t.TempDir()
	ca, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	der := ca.DER()
	if !bytes.Equal(der, ca.Certificate().Raw) {
		t.Error("DER() is not the certificate")
	}
	der[0] ^= 0xff
	if bytes.Equal(der, ca.DER()) {
		t.Error("DER() shares its bytes with the CA")
	}

	block, rest := pem.Decode(ca.PEM())
	if block == nil || block.Type != "CERTIFICATE" || !bytes.Equal(block.Bytes, ca.Certificate().Raw) {
		t.Fatalf("PEM() does not hold the certificate: %q", ca.PEM())
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		t.Errorf("PEM() holds more than the certificate: %q", rest)
	}
	if _, err := ca.Certificate().Verify(x509.VerifyOptions{Roots: ca.Pool()}); err != nil {
		t.Errorf("Pool() does not trust the CA: %v", err)
	}

	// A certificate file that bundles the key (as mitmproxy's does) still
	// loads, and the key stays out of the exports.
	certPEM, err := os.ReadFile(filepath.Join(dir, CertFile))
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, CertFile), append(keyPEM, certPEM...))
	bundled, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatalf("load bundled certificate file: %v", err)
	}
	if bytes.Contains(bundled.PEM(), []byte("PRIVATE")) {
		t.Errorf("PEM() of a bundled file exports the key: %q", bundled.PEM())
	}
	if !bytes.Equal(bundled.DER(), ca.DER()) {
		t.Error("DER() of a bundled file differs from the certificate")
	}
	if !bytes.Equal(bundled.PEM(), ca.PEM()) {
		t.Error("PEM() of a bundled file differs from the certificate alone")
	}
}
